-- Source region -> inference region per model (pairs are never pooled across models):
-- volume and p50 latency of each pair, from the daily rollup (rollup_daily_live). The p50 is
-- the order statistic within 1% from the latency sketches summed per bucket (docs/rollups.md),
-- NULL below quantile_min_count(0.5) values, as guarded_quantile. Counts and sketches are two
-- direct reads of the rollup (a CTE shared by both would materialise every sketch list), and
-- the sketch entries are summed per (pair number, bucket): two integers to hash, not labels.
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
pairs AS (
    -- ordered: the numbers are the same wherever the CTE is read
    SELECT
        *,
        CAST(row_number() OVER (ORDER BY model, source_region, inference_region) AS INTEGER)
            AS pair_id
    FROM totals
),
sketches AS (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(region, '(none)') AS source_region,
        coalesce(inference_region, '(none)') AS inference_region,
        latency_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
per_bucket AS (
    -- summed per (pair number, bucket): two integers per sketch entry to hash, not the labels
    SELECT p.pair_id, e.bucket AS bucket, sum(e.n) AS n
    FROM sketches AS s
    JOIN pairs AS p
        ON p.model IS NOT DISTINCT FROM s.model AND p.source_region = s.source_region
        AND p.inference_region = s.inference_region,
        unnest(s.latency_ms_sketch) AS t(e)
    GROUP BY ALL
),
merged AS (
    SELECT pair_id, list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY pair_id
)
SELECT
    p.model,
    p.source_region,
    p.inference_region,
    p.requests,
    p.requests_with_latency,
    CASE WHEN p.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms
FROM pairs AS p
LEFT JOIN merged AS m ON m.pair_id = p.pair_id
ORDER BY p.model, p.requests DESC, p.source_region, p.inference_region
LIMIT 1000
