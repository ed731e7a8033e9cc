-- purpose: The hourly rollup table's current snapshot (counts, token sums, latency sketches, fit moments); empty when the lake has none.
-- grain: one row per UTC hour x the rollup grain (docs/rollups.md)
-- layer: raw
-- depends:
-- The files are planned with pyiceberg like the invocations table's (queries/connection.py:
-- logbook_rollup_hourly_files()). Whether these rows reflect the raw table's current snapshot is the
-- rollup_staleness view's question. The columns are ingest/rollup_schema.ROLLUP_SCHEMA's, cast
-- so that an old lake without the table gives the same typed, empty view.
CREATE OR REPLACE VIEW rollup_hourly AS
WITH
typed_empty AS (
    SELECT
        CAST(NULL AS TIMESTAMPTZ) AS hour,
        CAST(NULL AS DATE) AS day,
        CAST(NULL AS VARCHAR) AS account_id,
        CAST(NULL AS VARCHAR) AS region,
        CAST(NULL AS VARCHAR) AS inference_region,
        CAST(NULL AS BOOLEAN) AS cross_region,
        CAST(NULL AS VARCHAR) AS operation,
        CAST(NULL AS VARCHAR) AS model_id,
        CAST(NULL AS VARCHAR) AS model,
        CAST(NULL AS VARCHAR) AS model_id_kind,
        CAST(NULL AS VARCHAR) AS profile_scope,
        CAST(NULL AS VARCHAR) AS caller,
        CAST(NULL AS VARCHAR) AS requested_latency,
        CAST(NULL AS VARCHAR) AS served_latency,
        CAST(NULL AS VARCHAR) AS fallback_reason,
        CAST(NULL AS VARCHAR) AS service_tier,
        CAST(NULL AS VARCHAR) AS error_code,
        CAST(NULL AS BIGINT) AS prompt_band,
        CAST(NULL AS BOOLEAN) AS tokens_missing,
        CAST(NULL AS BOOLEAN) AS cache_read_used,
        CAST(NULL AS BOOLEAN) AS cache_write_5m_used,
        CAST(NULL AS BOOLEAN) AS cache_write_1h_used,
        CAST(NULL AS BIGINT) AS requests,
        CAST(NULL AS BIGINT) AS errors,
        CAST(NULL AS BIGINT) AS throttles,
        CAST(NULL AS BIGINT) AS guardrail_interventions,
        CAST(NULL AS DECIMAL(38, 0)) AS input_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS output_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens,
        CAST(NULL AS BIGINT) AS latency_ms_count,
        CAST(NULL AS DOUBLE) AS latency_ms_sum,
        CAST(NULL AS DOUBLE) AS latency_ms_min,
        CAST(NULL AS DOUBLE) AS latency_ms_max,
        CAST(NULL AS STRUCT(bucket INTEGER, n BIGINT)[]) AS latency_ms_sketch,
        CAST(NULL AS BIGINT) AS first_byte_ms_count,
        CAST(NULL AS DOUBLE) AS first_byte_ms_sum,
        CAST(NULL AS DOUBLE) AS first_byte_ms_min,
        CAST(NULL AS DOUBLE) AS first_byte_ms_max,
        CAST(NULL AS STRUCT(bucket INTEGER, n BIGINT)[]) AS first_byte_ms_sketch,
        CAST(NULL AS BIGINT) AS output_tokens_per_s_count,
        CAST(NULL AS DOUBLE) AS output_tokens_per_s_sum,
        CAST(NULL AS DOUBLE) AS output_tokens_per_s_min,
        CAST(NULL AS DOUBLE) AS output_tokens_per_s_max,
        CAST(NULL AS STRUCT(bucket INTEGER, n BIGINT)[]) AS output_tokens_per_s_sketch,
        CAST(NULL AS BIGINT) AS fit_n,
        CAST(NULL AS DOUBLE) AS fit_sum_x,
        CAST(NULL AS DOUBLE) AS fit_sum_y,
        CAST(NULL AS DOUBLE) AS fit_sum_xx,
        CAST(NULL AS DOUBLE) AS fit_sum_xy,
        CAST(NULL AS DOUBLE) AS fit_sum_yy
    WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_rollup_hourly_files(),
        hive_partitioning = false,
        union_by_name = logbook_rollup_hourly_mixed_columns(),
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
