-- Server-side latency percentiles by inference region x served mode x model, from the daily
-- rollup's latency sketches summed per bucket: the order statistic within 1%
-- (docs/rollups.md), NULL below the minimum group size (quantile_min_count, as
-- guarded_quantile).
WITH selected AS (
    SELECT
        inference_region,
        coalesce(served_latency, 'unknown') AS served_mode,
        coalesce(model, model_id) AS model,
        latency_ms_count, latency_ms_sum, latency_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE AND latency_ms_count > 0
),
merged AS (
    SELECT inference_region, served_mode, model, list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT inference_region, served_mode, model, e.bucket AS bucket, sum(e.n) AS n
        FROM selected, unnest(selected.latency_ms_sketch) AS t(e)
        GROUP BY ALL
    )
    GROUP BY ALL
),
totals AS (
    SELECT
        inference_region,
        served_mode,
        model,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
        sum(latency_ms_sum) / sum(latency_ms_count) AS mean_latency_ms
    FROM selected
    GROUP BY ALL
)
SELECT
    t.inference_region, t.served_mode, t.model, t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.9)
        THEN sketch_quantile(m.sketch, 0.9) END AS p90_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99)
        THEN sketch_quantile(m.sketch, 0.99) END AS p99_latency_ms,
    t.mean_latency_ms
FROM totals AS t
LEFT JOIN merged AS m
    ON m.inference_region IS NOT DISTINCT FROM t.inference_region
    AND m.served_mode = t.served_mode AND m.model IS NOT DISTINCT FROM t.model
ORDER BY requests_with_latency DESC, model, inference_region, served_mode
LIMIT 200
