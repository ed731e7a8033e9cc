-- Requests that asked for optimized but were served standard, per day and reason, with what
-- the fallback saved (cost at the requested mode's rates minus the cost billed), from the
-- daily rollup (fallback_reason is in its grain).
SELECT
    day,
    coalesce(fallback_reason, 'not stated') AS fallback_reason,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    sum(requested_cost_usd - cost_usd) AS saved_by_fallback_usd
FROM rollup_daily_cost /*models*/
WHERE /*rollup_filters*/ TRUE AND requested_latency = 'optimized' AND served_latency = 'standard'
GROUP BY ALL
ORDER BY day, fallback_reason
