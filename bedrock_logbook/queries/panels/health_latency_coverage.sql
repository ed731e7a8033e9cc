-- Share of requests whose log carries a latency and whose served mode is known, by operation
-- (daily rollup).
SELECT
    coalesce(operation, '(none)') AS operation,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(latency_ms_count) / sum(requests) AS latency_share,
    coalesce(sum(requests) FILTER (WHERE served_latency IS NOT NULL), 0) / sum(requests)
        AS share_served_mode_known
FROM rollup_daily_live
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, operation
