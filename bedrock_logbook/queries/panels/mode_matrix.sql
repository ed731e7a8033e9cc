-- Requested vs served latency mode: volume, cost and latency of each combination.
SELECT
    coalesce(requested_latency, 'standard') AS requested_mode,
    coalesce(served_latency, 'unknown') AS served_mode,
    count(*) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requested_mode, served_mode
