-- Requested vs served latency mode: volume, cost and latency of each combination, from the
-- daily rollup (p50 from the latency sketches summed per bucket). The priced view is read
-- without the sketches and the sketches without the pricing: one pass carrying both would
-- drag every row's sketch lists through rollup_cost's joins.
WITH totals AS (
    SELECT
        coalesce(requested_latency, 'standard') AS requested_mode,
        coalesce(served_latency, 'unknown') AS served_mode,
        CAST(sum(requests) AS BIGINT) AS requests,
        sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency
    FROM rollup_daily_cost /*models*/
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
per_bucket AS (
    -- grouped on the stored columns, the labels after: fewer, cheaper keys per sketch entry
    SELECT requested_latency, served_latency, e.bucket AS bucket, sum(e.n) AS n
    FROM rollup_daily_live /*models*/ AS r, unnest(r.latency_ms_sketch) AS t(e)
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
merged AS (
    SELECT
        coalesce(requested_latency, 'standard') AS requested_mode,
        coalesce(served_latency, 'unknown') AS served_mode,
        list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY ALL
)
SELECT
    t.*,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms
FROM totals AS t
LEFT JOIN merged AS m
    ON m.requested_mode = t.requested_mode AND m.served_mode = t.served_mode
ORDER BY requested_mode, served_mode
