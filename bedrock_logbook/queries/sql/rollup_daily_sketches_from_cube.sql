-- purpose: The model cube's live rows with the sketch table's columns, not grouped (a key may repeat: sum over it): what rollup_daily_sketches_live reads while the sketch table is behind the raw snapshot.
-- grain: one row per model cube row (rollup_daily_models_live)
-- layer: staging
-- depends: rollup_daily_sketches, rollup_daily_models_live
-- NOT grouped to the sketch grain: every reader sums counts and buckets over its own groups,
-- so the answers are the same; grouping and merging here (ingest/rollup.py's
-- sketches_rollup in SQL) made the latency panels 1.5-4x slower than reading the cube on a
-- lake whose sketch table is not built yet (measured at 100M requests).
-- tests/test_rollup_views.py checks these rows, grouped and merged, equal the stored table
-- and the builder.
CREATE OR REPLACE VIEW rollup_daily_sketches_from_cube AS
-- the table's columns, names and types
SELECT * FROM rollup_daily_sketches WHERE FALSE
UNION ALL BY NAME
SELECT
    day,
    CAST(model AS VARCHAR) AS model,
    CAST(CASE WHEN model IS NULL THEN model_id END AS VARCHAR) AS model_id,
    requested_latency, served_latency,
    latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
FROM rollup_daily_models_live;
