-- purpose: The sketch table when it reflects the raw table's current snapshot, else the model cube's live rows with the same columns (a key may repeat: sum over it): the same answers either way, fast when current.
-- grain: one row per UTC day x model x model_id (only where model is NULL) x served_latency x requested_latency when current, else one per model cube row (docs/rollups.md "The sketch table")
-- layer: staging
-- depends: rollup_daily_sketches, rollup_daily_models_live
-- The test is a constant planned with the lake (rollup_of = the raw snapshot the views
-- read), so only one branch is read. The fallback is the cube's own rows (themselves
-- computed from the daily rollup or the raw rows while they are behind), NOT grouped to the
-- sketch grain: a key may appear on several rows, each with its own sketch. Every reader
-- sums counts and buckets over its own groups, so the answers are the same; grouping and
-- merging here (ingest/rollup.py's sketches_rollup in SQL) made the latency panels 1.5-4x
-- slower than reading the cube on a lake whose sketch table is not built yet (measured at
-- 100M requests). tests/test_rollup_views.py checks the fallback, grouped and merged,
-- equals the stored table and the builder.
CREATE OR REPLACE VIEW rollup_daily_sketches_live AS
SELECT * FROM rollup_daily_sketches
WHERE coalesce(logbook_rollup_daily_sketches_of() = logbook_snapshot(), FALSE)
UNION ALL BY NAME
SELECT
    day,
    CAST(model AS VARCHAR) AS model,
    CAST(CASE WHEN model IS NULL THEN model_id END AS VARCHAR) AS model_id,
    requested_latency, served_latency,
    latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
FROM rollup_daily_models_live
WHERE NOT coalesce(logbook_rollup_daily_sketches_of() = logbook_snapshot(), FALSE);
