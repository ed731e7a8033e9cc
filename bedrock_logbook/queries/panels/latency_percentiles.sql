-- Server-side latency percentiles by inference region x served mode x model.
SELECT
    inference_region,
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    count(*) AS requests,
    quantile_cont(latency_ms, 0.5) AS p50_ms,
    quantile_cont(latency_ms, 0.9) AS p90_ms,
    quantile_cont(latency_ms, 0.99) AS p99_ms,
    avg(latency_ms) AS mean_ms
FROM raw_invocations
WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL
GROUP BY ALL
ORDER BY requests DESC, model, inference_region, served_mode
LIMIT 200
