-- Source region -> inference region per model (pairs are never pooled across models):
-- volume and p50 latency of each pair.
SELECT
    coalesce(model, model_id) AS model,
    coalesce(region, '(none)') AS source_region,
    coalesce(inference_region, '(none)') AS inference_region,
    count(*) AS requests,
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms
FROM raw_invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY model, requests DESC, source_region, inference_region
LIMIT 1000
