-- Requests that asked for optimized but were served standard, per day and reason, with what
-- the fallback saved (cost at the requested mode's rates minus the cost billed).
SELECT
    day,
    coalesce(fallback_reason, 'not stated') AS fallback_reason,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(requested_cost_usd - cost_usd), 0) AS saved_by_fallback_usd
FROM invocations
WHERE /*filters*/ TRUE AND requested_latency = 'optimized' AND served_latency = 'standard'
GROUP BY ALL
ORDER BY day, fallback_reason
