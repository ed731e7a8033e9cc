-- Source region -> inference region: volume and latency of each pair (daily rollup;
-- percentiles from the latency sketches summed per bucket).
WITH selected AS (
    SELECT region AS source_region, inference_region, requests, latency_ms_count,
        latency_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
merged AS (
    SELECT source_region, inference_region, list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT source_region, inference_region, e.bucket AS bucket, sum(e.n) AS n
        FROM selected, unnest(selected.latency_ms_sketch) AS t(e)
        GROUP BY ALL
    )
    GROUP BY ALL
),
totals AS (
    SELECT
        source_region,
        inference_region,
        CAST(sum(requests) AS BIGINT) AS requests,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency
    FROM selected
    GROUP BY ALL
)
SELECT
    t.*,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99)
        THEN sketch_quantile(m.sketch, 0.99) END AS p99_latency_ms
FROM totals AS t
LEFT JOIN merged AS m
    ON m.source_region IS NOT DISTINCT FROM t.source_region
    AND m.inference_region IS NOT DISTINCT FROM t.inference_region
ORDER BY requests DESC, source_region, inference_region
LIMIT 400
