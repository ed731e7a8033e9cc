-- purpose: The model cube when it reflects the raw table's current snapshot, else the same rows merged from rollup_daily_live at query time (rollup_daily_models_from_daily): exact either way, fast when current.
-- grain: one row per UTC day x the rollup grain without hour, account_id, caller, operation (docs/rollups.md "The model cube")
-- layer: staging
-- depends: rollup_daily_models, rollup_daily_models_from_daily
-- logbook_rollup_daily_models_current() is a constant planned with the lake (rollup_of = the
-- raw snapshot the views read); query_table binds only the view it names (rollup_daily_live's
-- comment says why).
CREATE OR REPLACE VIEW rollup_daily_models_live AS
SELECT * FROM query_table(CASE WHEN logbook_rollup_daily_models_current()
                               THEN 'rollup_daily_models' ELSE 'rollup_daily_models_from_daily' END);
