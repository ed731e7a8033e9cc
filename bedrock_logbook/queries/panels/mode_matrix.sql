-- Requested vs served latency mode: volume, cost and latency of each combination, from the
-- daily rollup (p50 from the latency sketches summed per bucket).
WITH selected AS (
    SELECT
        coalesce(requested_latency, 'standard') AS requested_mode,
        coalesce(served_latency, 'unknown') AS served_mode,
        requests, cost_usd, latency_ms_count, latency_ms_sketch
    FROM rollup_daily_cost /*models*/
    WHERE /*rollup_filters*/ TRUE
),
merged AS (
    SELECT requested_mode, served_mode, list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT requested_mode, served_mode, e.bucket AS bucket, sum(e.n) AS n
        FROM selected, unnest(selected.latency_ms_sketch) AS t(e)
        GROUP BY ALL
    )
    GROUP BY ALL
),
totals AS (
    SELECT
        requested_mode,
        served_mode,
        CAST(sum(requests) AS BIGINT) AS requests,
        sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency
    FROM selected
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
