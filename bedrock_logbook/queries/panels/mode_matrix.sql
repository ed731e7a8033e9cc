-- Requested vs served latency mode: volume, cost and latency of each combination, from the
-- daily rollup (p50 from the latency sketches summed per bucket). Counts and cost come from
-- the priced view without the sketches, the sketches from the rollup without the pricing
-- (one pass carrying both drags every sketch list through rollup_cost's joins), and the
-- sketch entries are summed per (row number, bucket): two integers to hash, not labels.
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
numbered AS (
    -- ordered: the numbers are the same wherever the CTE is read
    SELECT
        *,
        CAST(row_number() OVER (ORDER BY requested_mode, served_mode) AS INTEGER) AS row_id
    FROM totals
),
sketches AS (
    SELECT
        coalesce(requested_latency, 'standard') AS requested_mode,
        coalesce(served_latency, 'unknown') AS served_mode,
        latency_ms_sketch
    FROM rollup_daily_live /*sketches*/
    WHERE /*rollup_filters*/ TRUE
),
per_bucket AS (
    SELECT n.row_id, e.bucket AS bucket, sum(e.n) AS n
    FROM sketches AS s
    JOIN numbered AS n
        ON n.requested_mode = s.requested_mode AND n.served_mode = s.served_mode,
        unnest(s.latency_ms_sketch) AS t(e)
    GROUP BY ALL
),
merged AS (
    SELECT row_id, list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY row_id
)
SELECT
    t.* EXCLUDE (row_id),
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms
FROM numbered AS t
LEFT JOIN merged AS m ON m.row_id = t.row_id
ORDER BY requested_mode, served_mode
