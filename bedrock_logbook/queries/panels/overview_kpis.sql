-- Headline numbers for the selection.
SELECT
    count(*) AS requests,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    coalesce(sum(cache_read_tokens), 0) + coalesce(sum(cache_write_tokens), 0) AS cache_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) AS unpriced_requests,
    count(*) FILTER (WHERE priced) / nullif(count(*), 0) AS priced_share,
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    -- Same formulas as the summary_overview view (docs/metrics.md).
    count(*) FILTER (WHERE error_code IS NOT NULL) / nullif(count(*), 0) AS error_rate,
    count(*) FILTER (WHERE served_latency = 'optimized') / nullif(count(*), 0) AS share_optimized,
    count(*) FILTER (WHERE cross_region) / nullif(count(*), 0) AS share_cross_region
FROM invocations
WHERE /*filters*/ TRUE
