-- purpose: The daily rollup computed from the raw rows at query time (what rollup_daily_live reads while the rollup table is behind the raw snapshot): exact, and slow at scale.
-- grain: one row per UTC day x the rollup grain (docs/rollups.md); hour = 00:00 of the day
-- layer: staging
-- depends: rollup_daily, raw_invocations, sketch_bucket
-- ingest/rollup.py's build_rollup grouped by day (a lake written before the rollups, an
-- ingest between its raw and rollup commits, a killed one): tests/test_rollup_views.py checks
-- it gives the builder's rows. The prompt bands and throttle codes are
-- ingest/rollup_schema.py's PROMPT_BANDS and THROTTLE_CODES (a test keeps them equal).
CREATE OR REPLACE VIEW rollup_daily_from_raw AS
WITH src AS (
    SELECT
        *,
        CAST(coalesce(input_tokens, 0) AS HUGEINT) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS prompt_tokens,
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS billed_5m,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS billed_1h,
        latency_ms IS NOT NULL AND output_tokens IS NOT NULL AS in_fit
    FROM raw_invocations
),
from_raw AS (
    SELECT
        CAST(CAST(date AS DATE) AS TIMESTAMPTZ) AS hour,
        CAST(date AS DATE) AS day,
        account_id, region, inference_region, cross_region, operation,
        model_id, model, model_id_kind, profile_scope, caller,
        requested_latency, served_latency, fallback_reason, service_tier, error_code,
        CAST(list_max(list_filter([0, 100001, 128001, 200001, 272001, 500001, 1000001],
            lambda band: band <= prompt_tokens)) AS BIGINT) AS prompt_band,
        error_code IS NULL AND (input_tokens IS NULL OR output_tokens IS NULL) AS tokens_missing,
        coalesce(cache_read_tokens, 0) > 0 AS cache_read_used,
        billed_5m > 0 AS cache_write_5m_used,
        billed_1h > 0 AS cache_write_1h_used,
        CAST(count(*) AS BIGINT) AS requests,
        CAST(count(error_code) AS BIGINT) AS errors,
        CAST(count(*) FILTER (WHERE error_code IN ('ThrottlingException')) AS BIGINT)
            AS throttles,
        CAST(count(*) FILTER (WHERE guardrail_action = 'INTERVENED') AS BIGINT)
            AS guardrail_interventions,
        CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
        CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(sum(cache_write_5m_tokens) AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
        CAST(sum(cache_write_1h_tokens) AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
        CAST(sum(billed_5m) AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
        CAST(sum(billed_1h) AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens,
        CAST(count(latency_ms) AS BIGINT) AS latency_ms_count,
        sum(CAST(latency_ms AS DOUBLE)) AS latency_ms_sum,
        CAST(min(latency_ms) AS DOUBLE) AS latency_ms_min,
        CAST(max(latency_ms) AS DOUBLE) AS latency_ms_max,
        list_transform(map_entries(histogram(sketch_bucket(latency_ms))),
            lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
            AS latency_ms_sketch,
        CAST(count(first_byte_ms) AS BIGINT) AS first_byte_ms_count,
        sum(CAST(first_byte_ms AS DOUBLE)) AS first_byte_ms_sum,
        CAST(min(first_byte_ms) AS DOUBLE) AS first_byte_ms_min,
        CAST(max(first_byte_ms) AS DOUBLE) AS first_byte_ms_max,
        list_transform(map_entries(histogram(sketch_bucket(first_byte_ms))),
            lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
            AS first_byte_ms_sketch,
        CAST(count(output_tokens_per_s) AS BIGINT) AS output_tokens_per_s_count,
        sum(output_tokens_per_s) AS output_tokens_per_s_sum,
        min(output_tokens_per_s) AS output_tokens_per_s_min,
        max(output_tokens_per_s) AS output_tokens_per_s_max,
        list_transform(map_entries(histogram(sketch_bucket(output_tokens_per_s))),
            lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
            AS output_tokens_per_s_sketch,
        CAST(count(*) FILTER (WHERE in_fit) AS BIGINT) AS fit_n,
        sum(CAST(output_tokens AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_x,
        sum(CAST(latency_ms AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_y,
        sum(CAST(output_tokens AS DOUBLE) * output_tokens) FILTER (WHERE in_fit) AS fit_sum_xx,
        sum(CAST(output_tokens AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_xy,
        sum(CAST(latency_ms AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_yy
    FROM src
    GROUP BY ALL
)
-- the table's columns, names and types, whatever the raw rows' types
SELECT * FROM rollup_daily WHERE FALSE
UNION ALL BY NAME
SELECT * FROM from_raw;
