-- purpose: The model cube merged from rollup_daily_live at query time (what rollup_daily_models_live reads while the cube table is behind the raw snapshot): exact.
-- grain: one row per UTC day x the rollup grain without hour, account_id, caller, operation (docs/rollups.md "The model cube")
-- layer: staging
-- depends: rollup_daily_models, rollup_daily_live, rollup_sketch_merge
-- ingest/rollup.py's models_rollup in SQL: the daily rows (themselves computed from the raw
-- rows while rollup_daily is behind) grouped without the four columns, sums added, min/max
-- combined, sketches summed per bucket (tests/test_rollup_views.py checks it gives the
-- table's rows): an old lake, an ingest between its commits, a killed one.
CREATE OR REPLACE VIEW rollup_daily_models_from_daily AS
WITH grouped AS (
    SELECT
        day, region, inference_region, cross_region, model_id, model, model_id_kind,
        profile_scope, requested_latency, served_latency, fallback_reason, service_tier,
        error_code, prompt_band, tokens_missing, cache_read_used, cache_write_5m_used,
        cache_write_1h_used,
        CAST(sum(requests) AS BIGINT) AS requests,
        CAST(sum(errors) AS BIGINT) AS errors,
        CAST(sum(throttles) AS BIGINT) AS throttles,
        -- quoted: the column is named like the guardrail_interventions view
        CAST(sum("guardrail_interventions") AS BIGINT) AS guardrail_interventions,
        CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
        CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(sum(cache_write_5m_tokens) AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
        CAST(sum(cache_write_1h_tokens) AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
        CAST(sum(billed_cache_write_5m_tokens) AS DECIMAL(38, 0))
            AS billed_cache_write_5m_tokens,
        CAST(sum(billed_cache_write_1h_tokens) AS DECIMAL(38, 0))
            AS billed_cache_write_1h_tokens,
        CAST(sum(latency_ms_count) AS BIGINT) AS latency_ms_count,
        CAST(sum(latency_ms_sum) AS DOUBLE) AS latency_ms_sum,
        CAST(min(latency_ms_min) AS DOUBLE) AS latency_ms_min,
        CAST(max(latency_ms_max) AS DOUBLE) AS latency_ms_max,
        flatten(list(latency_ms_sketch)) AS latency_ms_all,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS first_byte_ms_count,
        CAST(sum(first_byte_ms_sum) AS DOUBLE) AS first_byte_ms_sum,
        CAST(min(first_byte_ms_min) AS DOUBLE) AS first_byte_ms_min,
        CAST(max(first_byte_ms_max) AS DOUBLE) AS first_byte_ms_max,
        flatten(list(first_byte_ms_sketch)) AS first_byte_ms_all,
        CAST(sum(output_tokens_per_s_count) AS BIGINT) AS output_tokens_per_s_count,
        CAST(sum(output_tokens_per_s_sum) AS DOUBLE) AS output_tokens_per_s_sum,
        CAST(min(output_tokens_per_s_min) AS DOUBLE) AS output_tokens_per_s_min,
        CAST(max(output_tokens_per_s_max) AS DOUBLE) AS output_tokens_per_s_max,
        flatten(list(output_tokens_per_s_sketch)) AS output_tokens_per_s_all,
        CAST(sum(fit_n) AS BIGINT) AS fit_n,
        CAST(sum(fit_sum_x) AS DOUBLE) AS fit_sum_x,
        CAST(sum(fit_sum_y) AS DOUBLE) AS fit_sum_y,
        CAST(sum(fit_sum_xx) AS DOUBLE) AS fit_sum_xx,
        CAST(sum(fit_sum_xy) AS DOUBLE) AS fit_sum_xy,
        CAST(sum(fit_sum_yy) AS DOUBLE) AS fit_sum_yy
    FROM rollup_daily_live
    GROUP BY ALL
),
from_daily AS (
    SELECT
        * EXCLUDE (latency_ms_all, first_byte_ms_all, output_tokens_per_s_all),
        rollup_sketch_merge(latency_ms_all) AS latency_ms_sketch,
        rollup_sketch_merge(first_byte_ms_all) AS first_byte_ms_sketch,
        rollup_sketch_merge(output_tokens_per_s_all) AS output_tokens_per_s_sketch
    FROM grouped
)
-- the table's columns, names and types
SELECT * FROM rollup_daily_models WHERE FALSE
UNION ALL BY NAME
SELECT * FROM from_daily;
