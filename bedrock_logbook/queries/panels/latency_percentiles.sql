-- Server-side latency percentiles by inference region x served mode x model, merged from the
-- daily rollup's latency sketches: the order statistic within 1% (docs/rollups.md), NULL
-- below the minimum group size (quantile_min_count, as guarded_quantile).
SELECT
    inference_region,
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.5) AS p50_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.9) AS p90_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.99) AS p99_latency_ms,
    sum(latency_ms_sum) / sum(latency_ms_count) AS mean_latency_ms
FROM rollup_daily_live
WHERE /*rollup_filters*/ TRUE AND latency_ms_count > 0
GROUP BY ALL
ORDER BY requests_with_latency DESC, model, inference_region, served_mode
LIMIT 200
