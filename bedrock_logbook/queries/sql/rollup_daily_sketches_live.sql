-- purpose: The sketch table when it reflects the raw table's current snapshot, else the model cube's live rows with the same columns (rollup_daily_sketches_from_cube; a key may repeat: sum over it): the same answers either way, fast when current.
-- grain: one row per UTC day x model x model_id (only where model is NULL) x served_latency x requested_latency when current, else one per model cube row (docs/rollups.md "The sketch table")
-- layer: staging
-- depends: rollup_daily_sketches, rollup_daily_sketches_from_cube
-- logbook_rollup_daily_sketches_current() is a constant planned with the lake (rollup_of =
-- the raw snapshot the views read); query_table binds only the view it names
-- (rollup_daily_live's comment says why).
CREATE OR REPLACE VIEW rollup_daily_sketches_live AS
SELECT * FROM query_table(CASE WHEN logbook_rollup_daily_sketches_current()
                               THEN 'rollup_daily_sketches'
                               ELSE 'rollup_daily_sketches_from_cube' END);
