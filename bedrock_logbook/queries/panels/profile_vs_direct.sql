-- Calls through inference profiles (by geography) against direct in-Region calls, per model
-- and served mode, so a row is only ever compared with the same model in the same mode
-- (daily rollup; percentiles from the latency sketches summed per bucket). The priced view is
-- read without the sketches and the sketches without the pricing: one pass carrying both
-- would drag every row's sketch lists through rollup_cost's joins.
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
per_bucket AS (
    -- grouped on the stored columns, labelled after: cheaper keys per sketch entry
    SELECT profile_scope, model, model_id, served_latency, e.bucket AS bucket, sum(e.n) AS n
    FROM rollup_daily_live /*models*/ AS r, unnest(r.latency_ms_sketch) AS t(e)
    WHERE /*rollup_filters*/ TRUE
    GROUP BY ALL
),
merged AS (
    SELECT
        coalesce(profile_scope, 'direct') AS profile_scope,
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        list({'bucket': bucket, 'n': n}) AS sketch
    FROM per_bucket
    GROUP BY ALL
)
SELECT
    t.profile_scope, t.model, t.served_mode, t.requests, t.share_cross_region,
    t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5)
        THEN sketch_quantile(m.sketch, 0.5) END AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99)
        THEN sketch_quantile(m.sketch, 0.99) END AS p99_latency_ms,
    t.cost_per_1k_requests_usd
FROM totals AS t
LEFT JOIN merged AS m
    ON m.profile_scope = t.profile_scope AND m.model IS NOT DISTINCT FROM t.model
    AND m.served_mode = t.served_mode
ORDER BY requests DESC, profile_scope, model, served_mode
LIMIT 100
