-- Calls through inference profiles (by geography) against direct in-Region calls.
SELECT
    coalesce(profile_scope, 'direct') AS profile_scope,
    coalesce(model, model_id) AS model,
    count(*) AS requests,
    avg(CASE WHEN cross_region THEN 1.0 ELSE 0.0 END) AS share_cross_region,
    quantile_cont(latency_ms, 0.5) AS p50_latency_ms,
    quantile_cont(latency_ms, 0.99) AS p99_latency_ms,
    -- per priced request: unpriced requests are neither $0 nor in the denominator
    sum(cost_usd) / nullif(count(*) FILTER (WHERE priced), 0) * 1000
        AS cost_per_1k_requests_usd
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, profile_scope, model
LIMIT 100
