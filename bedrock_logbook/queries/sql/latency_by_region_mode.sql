-- purpose: Latency percentiles and decode speed by model, source Region, serving Region and served latency mode ('unknown' when the log cannot tell).
-- grain: one row per model x region x inference_region x served_latency
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW latency_by_region_mode AS
SELECT
    model,
    region,
    inference_region,
    coalesce(served_latency, 'unknown') AS served_latency,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(latency_ms) AS BIGINT) AS requests_with_latency,
    CAST(quantile_cont(latency_ms, 0.5) AS DOUBLE) AS p50_latency_ms,
    CAST(quantile_cont(latency_ms, 0.9) AS DOUBLE) AS p90_latency_ms,
    CAST(quantile_cont(latency_ms, 0.99) AS DOUBLE) AS p99_latency_ms,
    CAST(avg(latency_ms) AS DOUBLE) AS mean_latency_ms,
    CAST(avg(output_tokens_per_s) AS DOUBLE) AS mean_output_tokens_per_s
FROM raw_invocations
GROUP BY ALL;
