-- Calls through inference profiles (by geography) against direct in-Region calls, per model
-- and served mode, so a row is only ever compared with the same model in the same mode.
SELECT
    coalesce(profile_scope, 'direct') AS profile_scope,
    coalesce(model, model_id) AS model,
    coalesce(served_latency, 'unknown') AS served_mode,
    count(*) AS requests,
    count(*) FILTER (WHERE cross_region) / nullif(count(*), 0) AS share_cross_region,
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    -- per priced request: unpriced requests are neither $0 nor in the denominator
    sum(cost_usd) / nullif(count(*) FILTER (WHERE priced), 0) * 1000
        AS cost_per_1k_requests_usd
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, profile_scope, model, served_mode
LIMIT 100
