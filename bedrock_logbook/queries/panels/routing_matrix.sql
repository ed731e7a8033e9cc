-- Source region -> inference region: volume and latency of each pair (daily rollup;
-- percentiles merged from the latency sketches).
SELECT
    region AS source_region,
    inference_region,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.5) AS p50_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.99) AS p99_latency_ms
FROM rollup_daily_live
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY requests DESC, source_region, inference_region
LIMIT 400
