-- Requested vs served latency mode: volume, cost and latency of each combination, from the
-- daily rollup (p50 merged from the latency sketches).
SELECT
    coalesce(requested_latency, 'standard') AS requested_mode,
    coalesce(served_latency, 'unknown') AS served_mode,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.5) AS p50_latency_ms
FROM rollup_daily_cost
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY requested_mode, served_mode
