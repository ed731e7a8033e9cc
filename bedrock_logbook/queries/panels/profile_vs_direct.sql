-- Calls through inference profiles (by geography) against direct in-Region calls, per model
-- and served mode, so a row is only ever compared with the same model in the same mode
-- (daily rollup; percentiles merged from the latency sketches).
SELECT
    coalesce(profile_scope, 'direct') AS profile_scope,
    coalesce(model, model_id) AS model,
    coalesce(served_latency, 'unknown') AS served_mode,
    CAST(sum(requests) AS BIGINT) AS requests,
    coalesce(sum(requests) FILTER (WHERE cross_region), 0) / nullif(sum(requests), 0)
        AS share_cross_region,
    CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.5) AS p50_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.99) AS p99_latency_ms,
    -- per priced request: unpriced requests are neither $0 nor in the denominator
    sum(cost_usd) / nullif(sum(requests) FILTER (WHERE priced), 0) * 1000
        AS cost_per_1k_requests_usd
FROM rollup_daily_cost
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, profile_scope, model, served_mode
LIMIT 100
