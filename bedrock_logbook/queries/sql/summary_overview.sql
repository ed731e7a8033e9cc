-- purpose: One-row overview: requests, tokens, priced cost, unpriced, p50/p99 latency, errors, mode and routing shares.
-- grain: exactly one row for the whole lake (zeros and NULLs when it is empty)
-- layer: metrics
-- depends: invocations, guarded_quantile
CREATE OR REPLACE VIEW summary_overview AS
SELECT
    CAST(count(*) AS BIGINT) AS requests,
    CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
    CAST(coalesce(sum(cache_read_tokens), 0) AS BIGINT) AS cache_read_tokens,
    CAST(coalesce(sum(cache_write_tokens), 0) AS BIGINT) AS cache_write_tokens,
    -- Priced requests only (NULL when none is priced); see unpriced_requests, priced_share.
    CAST(sum(cost_usd) AS DOUBLE) AS cost_usd,
    CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_requests,
    CAST(count(*) FILTER (WHERE priced) / nullif(count(*), 0) AS DOUBLE) AS priced_share,
    CAST(count(latency_ms) AS BIGINT) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    CAST(count(*) FILTER (WHERE error_code IS NOT NULL) / nullif(count(*), 0) AS DOUBLE)
        AS error_rate,
    CAST(count(*) FILTER (WHERE served_latency = 'optimized') / nullif(count(*), 0) AS DOUBLE)
        AS share_optimized,
    CAST(count(*) FILTER (WHERE cross_region) / nullif(count(*), 0) AS DOUBLE)
        AS share_cross_region,
    min(ts) AS first_ts,
    max(ts) AS last_ts
FROM invocations;
