-- Headline numbers for the selection.
SELECT
    count(*) AS requests,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    coalesce(sum(cache_read_tokens), 0) + coalesce(sum(cache_write_tokens), 0) AS cache_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) AS unpriced_requests,
    count(*) FILTER (WHERE priced) / nullif(count(*), 0) AS priced_share,
    quantile_cont(latency_ms, 0.5) AS p50_latency_ms,
    quantile_cont(latency_ms, 0.99) AS p99_latency_ms,
    avg(CASE WHEN error_code IS NOT NULL THEN 1.0 ELSE 0.0 END) AS error_rate,
    avg(CASE WHEN served_latency = 'optimized' THEN 1.0 ELSE 0.0 END) AS share_optimized,
    avg(CASE WHEN cross_region THEN 1.0 ELSE 0.0 END) AS share_cross_region
FROM invocations
WHERE /*filters*/ TRUE
