-- purpose: Latency percentiles and output tokens/s by model, source Region, serving Region and served latency mode ('unknown' when the log cannot tell).
-- grain: one row per model x region x inference_region x served_latency
-- layer: metrics
-- depends: raw_invocations, guarded_quantile
CREATE OR REPLACE VIEW latency_by_region_mode AS
SELECT
    model,
    region,
    inference_region,
    coalesce(served_latency, 'unknown') AS served_latency,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(latency_ms) AS BIGINT) AS requests_with_latency,
    -- Percentiles over requests_with_latency; NULL in groups too small (guarded_quantile).
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.9) AS p90_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    CAST(avg(latency_ms) AS DOUBLE) AS mean_latency_ms,
    -- Both over successful calls with latency and output tokens (docs/metrics.md).
    CAST(avg(output_tokens_per_s) FILTER (WHERE error_code IS NULL) AS DOUBLE)
        AS mean_output_tokens_per_s,
    CAST(
        sum(output_tokens) FILTER (WHERE error_code IS NULL AND output_tokens_per_s IS NOT NULL)
        * 1000.0 / nullif(sum(latency_ms) FILTER (
            WHERE error_code IS NULL AND output_tokens_per_s IS NOT NULL), 0)
        AS DOUBLE
    ) AS throughput_tokens_per_s
FROM raw_invocations
GROUP BY model, region, inference_region, coalesce(served_latency, 'unknown');
