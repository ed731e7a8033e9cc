-- Server-side latency percentiles by inference region x served mode x model (NULL below the
-- minimum group size: guarded_quantile).
SELECT
    inference_region,
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    count(*) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.9) AS p90_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    avg(latency_ms) AS mean_latency_ms
FROM raw_invocations
WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL
GROUP BY ALL
ORDER BY requests_with_latency DESC, model, inference_region, served_mode
LIMIT 200
