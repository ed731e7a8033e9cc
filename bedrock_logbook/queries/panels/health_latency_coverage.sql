-- Share of requests whose log carries a latency and whose served mode is known, by operation.
SELECT
    coalesce(operation, '(none)') AS operation,
    count(*) AS requests,
    avg(CASE WHEN latency_ms IS NOT NULL THEN 1.0 ELSE 0.0 END) AS share_with_latency,
    avg(CASE WHEN served_latency IS NOT NULL THEN 1.0 ELSE 0.0 END) AS share_served_mode_known
FROM raw_invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, operation
