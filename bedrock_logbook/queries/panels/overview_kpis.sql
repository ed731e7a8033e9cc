-- Headline numbers for the selection, from the daily rollup (cost priced at query time by the
-- invocations view's rates: rollup_daily_cost). Percentiles merge the latency sketches (summed
-- per bucket first: docs/rollups.md) into the order statistic within 1%, NULL under the
-- guarded_quantile thresholds (quantile_min_count).
WITH selected AS (
    SELECT * FROM rollup_daily_cost /*models*/ WHERE /*rollup_filters*/ TRUE
),
-- The sketches come from the sketch table (the cube, or the daily rollup, under a filter it
-- does not keep: queries/panels.py): the same requests as `selected`, ~6x fewer buckets.
merged AS (
    SELECT list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT e.bucket AS bucket, sum(e.n) AS n
        FROM (
            SELECT latency_ms_sketch FROM rollup_daily_live /*sketches*/
            WHERE /*rollup_filters*/ TRUE AND latency_ms_count > 0
        ) AS s, unnest(s.latency_ms_sketch) AS t(e)
        GROUP BY ALL
    )
),
totals AS (
    SELECT
        CAST(coalesce(sum(requests), 0) AS BIGINT) AS requests,
        CAST(coalesce(sum(input_tokens), 0) AS HUGEINT) AS input_tokens,
        CAST(coalesce(sum(output_tokens), 0) AS HUGEINT) AS output_tokens,
        CAST(coalesce(sum(cache_read_tokens), 0) + coalesce(sum(cache_write_tokens), 0)
            AS HUGEINT) AS cache_tokens,
        sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
        CAST(coalesce(sum(requests) FILTER (WHERE NOT coalesce(priced, FALSE)), 0) AS BIGINT)
            AS unpriced_requests,
        coalesce(sum(requests) FILTER (WHERE priced), 0) / nullif(sum(requests), 0)
            AS priced_share,
        CAST(coalesce(sum(latency_ms_count), 0) AS BIGINT) AS requests_with_latency,
        -- Same formulas as the summary_overview view (docs/metrics.md).
        coalesce(sum(errors), 0) / nullif(sum(requests), 0) AS error_rate,
        coalesce(sum(requests) FILTER (WHERE served_latency = 'optimized'), 0)
            / nullif(sum(requests), 0) AS share_optimized,
        coalesce(sum(requests) FILTER (WHERE cross_region), 0) / nullif(sum(requests), 0)
            AS share_cross_region
    FROM selected
)
SELECT
    t.requests, t.input_tokens, t.output_tokens, t.cache_tokens, t.cost_usd,
    t.unpriced_requests, t.priced_share, t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99)
        THEN sketch_quantile(m.sketch, 0.99) END AS p99_latency_ms,
    t.error_rate, t.share_optimized, t.share_cross_region
FROM totals AS t, merged AS m
