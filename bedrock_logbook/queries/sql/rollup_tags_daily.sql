-- purpose: The tag rollup table's current snapshot (requests, errors and token sums per day x requestMetadata tag x filter and pricing keys; untagged requests under a NULL key); empty when the lake has none.
-- grain: one row per UTC day x tag_key x tag_value x the filter and pricing keys of ingest/tag_rollup.py (a request with k tags is in k rows, one without tags in one row with a NULL tag_key)
-- layer: raw
-- depends:
-- The files are planned with pyiceberg like the rollup tables' (queries/connection.py:
-- logbook_rollup_tags_daily_files()). The columns are ingest/tag_rollup.TAG_ROLLUP_SCHEMA's,
-- cast so that a lake without the table gives the same typed, empty view. Whether the rows
-- reflect the raw table's current snapshot is rollup_tags_daily_live's question.
CREATE OR REPLACE VIEW rollup_tags_daily AS
WITH
typed_empty AS (
    SELECT
        CAST(NULL AS DATE) AS day,
        CAST(NULL AS VARCHAR) AS tag_key,
        CAST(NULL AS VARCHAR) AS tag_value,
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
        CAST(NULL AS VARCHAR) AS service_tier,
        CAST(NULL AS BIGINT) AS prompt_band,
        CAST(NULL AS BOOLEAN) AS tokens_missing,
        CAST(NULL AS BOOLEAN) AS cache_read_used,
        CAST(NULL AS BOOLEAN) AS cache_write_5m_used,
        CAST(NULL AS BOOLEAN) AS cache_write_1h_used,
        CAST(NULL AS BIGINT) AS requests,
        CAST(NULL AS BIGINT) AS errors,
        CAST(NULL AS DECIMAL(38, 0)) AS input_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS output_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
        CAST(NULL AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens
    WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_rollup_tags_daily_files(),
        hive_partitioning = false,
        union_by_name = logbook_rollup_tags_daily_mixed_columns(),
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
SELECT
    CAST(day AS DATE) AS day,
    CAST(tag_key AS VARCHAR) AS tag_key,
    CAST(tag_value AS VARCHAR) AS tag_value,
    CAST(account_id AS VARCHAR) AS account_id,
    CAST(region AS VARCHAR) AS region,
    CAST(inference_region AS VARCHAR) AS inference_region,
    CAST(cross_region AS BOOLEAN) AS cross_region,
    CAST(operation AS VARCHAR) AS operation,
    CAST(model_id AS VARCHAR) AS model_id,
    CAST(model AS VARCHAR) AS model,
    CAST(model_id_kind AS VARCHAR) AS model_id_kind,
    CAST(profile_scope AS VARCHAR) AS profile_scope,
    CAST(caller AS VARCHAR) AS caller,
    CAST(requested_latency AS VARCHAR) AS requested_latency,
    CAST(served_latency AS VARCHAR) AS served_latency,
    CAST(service_tier AS VARCHAR) AS service_tier,
    CAST(prompt_band AS BIGINT) AS prompt_band,
    CAST(tokens_missing AS BOOLEAN) AS tokens_missing,
    CAST(cache_read_used AS BOOLEAN) AS cache_read_used,
    CAST(cache_write_5m_used AS BOOLEAN) AS cache_write_5m_used,
    CAST(cache_write_1h_used AS BOOLEAN) AS cache_write_1h_used,
    CAST(requests AS BIGINT) AS requests,
    CAST(errors AS BIGINT) AS errors,
    CAST(input_tokens AS DECIMAL(38, 0)) AS input_tokens,
    CAST(output_tokens AS DECIMAL(38, 0)) AS output_tokens,
    CAST(cache_read_tokens AS DECIMAL(38, 0)) AS cache_read_tokens,
    CAST(cache_write_tokens AS DECIMAL(38, 0)) AS cache_write_tokens,
    CAST(billed_cache_write_5m_tokens AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
    CAST(billed_cache_write_1h_tokens AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens
FROM stored;
