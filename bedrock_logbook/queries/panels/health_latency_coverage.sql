-- Share of requests whose log carries a latency and whose served mode is known, by operation.
SELECT
    coalesce(operation, '(none)') AS operation,
    count(*) AS requests,
    count(latency_ms) / count(*) AS latency_share,
    count(served_latency) / count(*) AS share_served_mode_known
FROM raw_invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, operation
