-- purpose: The invocations in a list of the lake table's data files, typed, with their UTC date: raw_invocations over the current snapshot's files, or a fallback view's over none.
-- grain: one row per invocation (request_id is unique: kept once when writers raced)
-- layer: raw
-- kind: macro
-- depends:
-- raw_invocations_of(logbook_files()) is raw_invocations. A view that reads raw rows only
-- when a derived table is stale (rollup_daily_live, prompt_pairs_live, ...) passes
-- raw_files_unless(<table is current>): the list is a constant, so a current table costs
-- that view no binding of the raw files. DuckDB binds a view on every
-- query, and binding a read_parquet over a year of daily files takes tens of milliseconds
-- (lake/reading.py DataFiles), once per reference.
CREATE OR REPLACE MACRO raw_invocations_of(files) AS TABLE
WITH
-- With no Parquet file yet, read_parquet(allow_empty) yields one dummy column; this typed
-- empty relation keeps the columns and types stable for an empty or missing lake.
typed_empty AS (
    SELECT
        CAST(NULL AS VARCHAR) AS request_id,
        CAST(NULL AS TIMESTAMPTZ) AS ts,
        CAST(NULL AS VARCHAR) AS account_id,
        CAST(NULL AS VARCHAR) AS region,
        CAST(NULL AS VARCHAR) AS inference_region,
        CAST(NULL AS BOOLEAN) AS cross_region,
        CAST(NULL AS VARCHAR) AS operation,
        CAST(NULL AS VARCHAR) AS model_id,
        CAST(NULL AS VARCHAR) AS model,
        CAST(NULL AS VARCHAR) AS model_id_kind,
        CAST(NULL AS VARCHAR) AS profile_scope,
        CAST(NULL AS VARCHAR) AS caller_arn,
        CAST(NULL AS VARCHAR) AS caller,
        CAST(NULL AS VARCHAR) AS requested_latency,
        CAST(NULL AS VARCHAR) AS served_latency,
        CAST(NULL AS VARCHAR) AS served_latency_source,
        CAST(NULL AS VARCHAR) AS served_latency_confidence,
        CAST(NULL AS VARCHAR) AS fallback_reason,
        CAST(NULL AS VARCHAR) AS latency_quality_flag,
        CAST(NULL AS VARCHAR) AS service_tier,
        CAST(NULL AS BIGINT) AS input_tokens,
        CAST(NULL AS BIGINT) AS output_tokens,
        CAST(NULL AS BIGINT) AS cache_read_tokens,
        CAST(NULL AS BIGINT) AS cache_write_tokens,
        CAST(NULL AS BIGINT) AS cache_write_5m_tokens,
        CAST(NULL AS BIGINT) AS cache_write_1h_tokens,
        CAST(NULL AS BIGINT) AS max_output_tokens,
        CAST(NULL AS BIGINT) AS latency_ms,
        CAST(NULL AS BIGINT) AS first_byte_ms,
        CAST(NULL AS DOUBLE) AS output_tokens_per_s,
        CAST(NULL AS VARCHAR) AS stop_reason,
        CAST(NULL AS VARCHAR) AS error_code,
        CAST(NULL AS VARCHAR) AS guardrail_action,
        CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS request_metadata,
        CAST(NULL AS BIGINT) AS input_body_bytes,
        CAST(NULL AS BIGINT) AS output_body_bytes,
        CAST(NULL AS VARCHAR) AS input_body_s3_path,
        CAST(NULL AS VARCHAR) AS output_body_s3_path,
        CAST(NULL AS VARCHAR) AS system_prompt_fp,
        CAST(NULL AS VARCHAR) AS prompt_fp,
        CAST(NULL AS VARCHAR) AS schema_version,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS BIGINT) AS source_line,
        CAST(NULL AS VARCHAR) AS input_body_json,
        CAST(NULL AS VARCHAR) AS output_body_json
    WHERE false
),
-- The current snapshot's data files, planned with pyiceberg (queries/connection.py). Not
-- hive-partitioned: the table's folders (ts_day=, or date= for migrated files) add no column.
lake_files AS (
    SELECT *
    FROM read_parquet(
        files,
        hive_partitioning = false,
        union_by_name = logbook_mixed_columns(),  -- files of an older schema: by name
        allow_empty = true
    )
),
stored AS NOT MATERIALIZED (
    SELECT * FROM typed_empty
    UNION ALL BY NAME
    SELECT * FROM lake_files
),
-- Two writers that raced may both have stored a request (lake/reading.py: needs_dedupe):
-- then keep its first copy. logbook_dedupe() is a constant, so the branch not taken is
-- removed before anything is read, and a clean table is read plainly.
kept AS (
    SELECT * FROM stored WHERE NOT logbook_dedupe()
    UNION ALL
    SELECT * FROM stored WHERE logbook_dedupe()
    QUALIFY row_number() OVER (PARTITION BY request_id ORDER BY ts, source, source_line) = 1
)
SELECT
    CAST(request_id AS VARCHAR) AS request_id,
    CAST(ts AS TIMESTAMPTZ) AS ts,
    CAST(account_id AS VARCHAR) AS account_id,
    CAST(region AS VARCHAR) AS region,
    CAST(inference_region AS VARCHAR) AS inference_region,
    CAST(cross_region AS BOOLEAN) AS cross_region,
    CAST(operation AS VARCHAR) AS operation,
    CAST(model_id AS VARCHAR) AS model_id,
    CAST(model AS VARCHAR) AS model,
    CAST(model_id_kind AS VARCHAR) AS model_id_kind,
    CAST(profile_scope AS VARCHAR) AS profile_scope,
    CAST(caller_arn AS VARCHAR) AS caller_arn,
    CAST(caller AS VARCHAR) AS caller,
    CAST(requested_latency AS VARCHAR) AS requested_latency,
    CAST(served_latency AS VARCHAR) AS served_latency,
    CAST(served_latency_source AS VARCHAR) AS served_latency_source,
    CAST(served_latency_confidence AS VARCHAR) AS served_latency_confidence,
    CAST(fallback_reason AS VARCHAR) AS fallback_reason,
    CAST(latency_quality_flag AS VARCHAR) AS latency_quality_flag,
    CAST(service_tier AS VARCHAR) AS service_tier,
    CAST(input_tokens AS BIGINT) AS input_tokens,
    CAST(output_tokens AS BIGINT) AS output_tokens,
    CAST(cache_read_tokens AS BIGINT) AS cache_read_tokens,
    CAST(cache_write_tokens AS BIGINT) AS cache_write_tokens,
    CAST(cache_write_5m_tokens AS BIGINT) AS cache_write_5m_tokens,
    CAST(cache_write_1h_tokens AS BIGINT) AS cache_write_1h_tokens,
    CAST(max_output_tokens AS BIGINT) AS max_output_tokens,
    CAST(latency_ms AS BIGINT) AS latency_ms,
    CAST(first_byte_ms AS BIGINT) AS first_byte_ms,
    CAST(output_tokens_per_s AS DOUBLE) AS output_tokens_per_s,
    CAST(stop_reason AS VARCHAR) AS stop_reason,
    CAST(error_code AS VARCHAR) AS error_code,
    CAST(guardrail_action AS VARCHAR) AS guardrail_action,
    CAST(request_metadata AS MAP(VARCHAR, VARCHAR)) AS request_metadata,
    CAST(input_body_bytes AS BIGINT) AS input_body_bytes,
    CAST(output_body_bytes AS BIGINT) AS output_body_bytes,
    CAST(input_body_s3_path AS VARCHAR) AS input_body_s3_path,
    CAST(output_body_s3_path AS VARCHAR) AS output_body_s3_path,
    CAST(system_prompt_fp AS VARCHAR) AS system_prompt_fp,
    CAST(prompt_fp AS VARCHAR) AS prompt_fp,
    CAST(schema_version AS VARCHAR) AS schema_version,
    CAST(source AS VARCHAR) AS source,
    CAST(source_line AS BIGINT) AS source_line,
    CAST(input_body_json AS VARCHAR) AS input_body_json,
    CAST(output_body_json AS VARCHAR) AS output_body_json,
    -- The UTC day whatever the session's time zone (a TIMESTAMPTZ casts in the session's).
    CAST(CAST(ts AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS DATE) AS date
FROM kept;
