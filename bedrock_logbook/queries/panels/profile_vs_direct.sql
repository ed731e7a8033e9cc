-- Calls through inference profiles (by geography) against direct in-Region calls, per model
-- and served mode, so a row is only ever compared with the same model in the same mode
-- (daily rollup; percentiles from the latency sketches summed per bucket). Counts and cost
-- come from the priced view without the sketches, the sketches from the rollup without the
-- pricing (one pass carrying both drags every sketch list through rollup_cost's joins), and
-- the sketch entries are summed per (row number, bucket): two integers to hash, not labels.
WITH totals AS (
    SELECT
        coalesce(profile_scope, 'direct') AS profile_scope,
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        CAST(sum(requests) AS BIGINT) AS requests,
        coalesce(sum(requests) FILTER (WHERE cross_region), 0) / nullif(sum(requests), 0)
            AS share_cross_region,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
        -- per priced request: unpriced requests are neither $0 nor in the denominator
        sum(cost_usd) / nullif(sum(requests) FILTER (WHERE priced), 0) * 1000
            AS cost_per_1k_requests_usd
    FROM rollup_daily_cost /*models*/
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
numbered AS (
    -- ordered: the numbers are the same wherever the CTE is read
    SELECT
        *,
        CAST(row_number() OVER (ORDER BY profile_scope, model, served_mode) AS INTEGER)
            AS row_id
    FROM totals
),
sketches AS (
    SELECT
        coalesce(profile_scope, 'direct') AS profile_scope,
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        latency_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
per_bucket AS (
    SELECT n.row_id, e.bucket AS bucket, sum(e.n) AS n
    FROM sketches AS s
    JOIN numbered AS n
        ON n.profile_scope = s.profile_scope AND n.model IS NOT DISTINCT FROM s.model
        AND n.served_mode = s.served_mode,
        unnest(s.latency_ms_sketch) AS t(e)
    GROUP BY ALL
),
merged AS (
    SELECT row_id, list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY row_id
)
SELECT
    t.profile_scope, t.model, t.served_mode, t.requests, t.share_cross_region,
    t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99)
        THEN sketch_quantile(m.sketch, 0.99) END AS p99_latency_ms,
    t.cost_per_1k_requests_usd
FROM numbered AS t
LEFT JOIN merged AS m ON m.row_id = t.row_id
ORDER BY requests DESC, profile_scope, model, served_mode
LIMIT 100
