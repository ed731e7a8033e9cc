-- purpose: The sketch table when it reflects the raw table's current snapshot, else the same rows merged from the model cube's live view at query time: exact either way, fast when current.
-- grain: one row per UTC day x model x model_id (only where model is NULL) x served_latency x requested_latency (docs/rollups.md "The sketch table")
-- layer: staging
-- depends: rollup_daily_sketches, rollup_daily_models_live, rollup_sketch_merge
-- The test is a constant planned with the lake (rollup_of = the raw snapshot the views
-- read), so only one branch is read. The fallback is ingest/rollup.py's sketches_rollup in
-- SQL: the cube's rows (themselves computed from the daily rollup or the raw rows while
-- they are behind) grouped to the sketch grain, counts added, sketches summed per bucket
-- (tests/test_rollup_sketches.py checks both branches give the same rows).
CREATE OR REPLACE VIEW rollup_daily_sketches_live AS
WITH grouped AS (
    SELECT
        day,
        CAST(model AS VARCHAR) AS model,
        CAST(CASE WHEN model IS NULL THEN model_id END AS VARCHAR) AS model_id,
        requested_latency, served_latency,
        CAST(sum(latency_ms_count) AS BIGINT) AS latency_ms_count,
        flatten(list(latency_ms_sketch)) AS latency_ms_all,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS first_byte_ms_count,
        flatten(list(first_byte_ms_sketch)) AS first_byte_ms_all
    FROM rollup_daily_models_live
    WHERE NOT coalesce(logbook_rollup_daily_sketches_of() = logbook_snapshot(), FALSE)
    GROUP BY ALL
),
from_cube AS (
    SELECT
        * EXCLUDE (latency_ms_all, first_byte_ms_all),
        rollup_sketch_merge(latency_ms_all) AS latency_ms_sketch,
        rollup_sketch_merge(first_byte_ms_all) AS first_byte_ms_sketch
    FROM grouped
)
SELECT * FROM rollup_daily_sketches
WHERE coalesce(logbook_rollup_daily_sketches_of() = logbook_snapshot(), FALSE)
UNION ALL BY NAME
SELECT * FROM from_cube;
