-- Source region -> inference region: volume and latency of each pair.
SELECT
    region AS source_region,
    inference_region,
    count(*) AS requests,
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms
FROM raw_invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, source_region, inference_region
LIMIT 400
