-- purpose: The sketch table's current snapshot: the daily rollup's latency and first-byte sketches per day x model x served x requested mode; empty when the lake has none.
-- grain: one row per UTC day x model x model_id (only where model is NULL) x served_latency x requested_latency (docs/rollups.md "The sketch table")
-- layer: raw
-- depends: rollup_daily
-- The files are planned with pyiceberg like the other rollups' (queries/connection.py:
-- logbook_rollup_daily_sketches_files()). Whether these rows reflect the raw table's current
-- snapshot is logbook_rollup_daily_sketches_of() = logbook_snapshot(). The columns are
-- ingest/rollup_schema.ROLLUP_SKETCHES_SCHEMA's, typed from rollup_daily's, so an old lake
-- without the table gives the same typed, empty view.
CREATE OR REPLACE VIEW rollup_daily_sketches AS
WITH
typed_empty AS (
    SELECT
        day, model_id, model, requested_latency, served_latency,
        latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
    FROM rollup_daily
    WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_rollup_daily_sketches_files(),
        hive_partitioning = false,
        union_by_name = logbook_rollup_daily_sketches_mixed_columns(),
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
