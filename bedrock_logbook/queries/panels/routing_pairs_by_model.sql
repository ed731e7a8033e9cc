-- Source region -> inference region per model (pairs are never pooled across models):
-- volume and p50 latency of each pair, from the daily rollup (rollup_daily_live). The p50 is
-- the order statistic within 1% from the latency sketches summed per bucket (docs/rollups.md),
-- NULL below quantile_min_count(0.5) values, as guarded_quantile. Counts and sketches are two
-- direct reads of the rollup: a CTE shared by both would materialise every sketch list first.
WITH totals AS (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(region, '(none)') AS source_region,
        coalesce(inference_region, '(none)') AS inference_region,
        CAST(sum(requests) AS BIGINT) AS requests,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
per_bucket AS (
    -- grouped on the stored columns, labelled after: cheaper keys per sketch entry
    SELECT model, model_id, region, inference_region, e.bucket AS bucket, sum(e.n) AS n
    FROM rollup_daily_live /*models*/ AS r, unnest(r.latency_ms_sketch) AS t(e)
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
merged AS (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(region, '(none)') AS source_region,
        coalesce(inference_region, '(none)') AS inference_region,
        list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY ALL
)
SELECT
    t.model,
    t.source_region,
    t.inference_region,
    t.requests,
    t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms
FROM totals AS t
LEFT JOIN merged AS m
    ON m.model IS NOT DISTINCT FROM t.model AND m.source_region = t.source_region
    AND m.inference_region = t.inference_region
ORDER BY t.model, t.requests DESC, t.source_region, t.inference_region
LIMIT 1000
