-- purpose: The model cube table's current snapshot: the daily rollup without hour, account_id, caller and operation, rows merged; empty when the lake has none.
-- grain: one row per UTC day x the rollup grain without hour, account_id, caller, operation (docs/rollups.md "The model cube")
-- layer: raw
-- depends: rollup_daily
-- The files are planned with pyiceberg like the other rollups' (queries/connection.py:
-- logbook_rollup_daily_models_files()). Whether these rows reflect the raw table's current
-- snapshot is the rollup_staleness view's question. The columns are
-- ingest/rollup_schema.ROLLUP_MODELS_SCHEMA's: rollup_daily's (typed there) without the four,
-- so an old lake without the table gives the same typed, empty view.
CREATE OR REPLACE VIEW rollup_daily_models AS
WITH
typed_empty AS (
    SELECT * EXCLUDE (hour, account_id, caller, operation) FROM rollup_daily WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_rollup_daily_models_files(),
        hive_partitioning = false,
        union_by_name = logbook_rollup_daily_models_mixed_columns(),
        allow_empty = true
    )
),
stored AS (
    SELECT * FROM typed_empty
    UNION ALL BY NAME
    SELECT * FROM lake_files
)
-- typed_empty comes first: its columns give the order and the types. With no file,
-- read_parquet(allow_empty) yields a dummy column 'empty', dropped here.
SELECT COLUMNS(lambda c: c <> 'empty') FROM stored;
