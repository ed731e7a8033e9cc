-- Per model (whole lake): standard vs optimized requests, p50 latency, decode speed, list and
-- observed price from the daily rollup, and the paired gain over prompts run both ways on the
-- same UTC day (prompt_pairs_by_model, from the same-day pairs table).
-- The columns are the mode_comparison view's; differences from it, all stated in its metrics:
-- the p50s are the order statistic within 1% from the sketches (docs/rollups.md), the list
-- rate is the mode's rate on its latest day (the highest if that day has several), and
-- pairs are same-day pairs (mode_comparison pairs prompts across the whole lake).
-- Counts and speed read the model cube's live view, the p50s' sketches the sketch table's
-- (queries/panels.py swaps the marked views; no prices needed); the priced rollup (its cost view,
-- which resolves rates) is read once, for the two price columns. The
-- CTEs joined twice (standard and optimized) are materialized: inlined, each join recomputed
-- them (measured 15.5 s vs 6.3 s at 10M requests under load ~17).
WITH selected AS (
    SELECT
        *,
        CAST(coalesce(served_latency, requested_latency, 'standard') AS VARCHAR)
            AS latency_mode
    FROM rollup_daily_live /*models*/
    WHERE model IS NOT NULL
),
by_mode AS MATERIALIZED (
    SELECT
        model,
        latency_mode,
        sum(requests) AS requests,
        sum(latency_ms_count) AS with_latency,
        sum(output_tokens_per_s_sum) FILTER (WHERE error_code IS NULL)
            / sum(output_tokens_per_s_count) FILTER (WHERE error_code IS NULL) AS tps
    FROM selected
    GROUP BY ALL
),
-- The p50s' sketches from the sketch table (day x model x served x requested mode: the
-- same requests as `selected`, ~6x fewer buckets than the cube).
sketches AS MATERIALIZED (
    SELECT model, latency_mode, list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT
            s.model,
            CAST(coalesce(s.served_latency, s.requested_latency, 'standard') AS VARCHAR)
                AS latency_mode,
            e.bucket AS bucket,
            sum(e.n) AS n
        FROM rollup_daily_live /*sketches*/ AS s, unnest(s.latency_ms_sketch) AS t(e)
        WHERE s.model IS NOT NULL AND s.latency_ms_count > 0
        GROUP BY ALL
    )
    GROUP BY ALL
),
-- Per model x mode x day: the highest output rate, and the cost and count of successful
-- priced requests (the observed cost per request).
priced_daily AS MATERIALIZED (
    SELECT
        model, latency_mode, day,
        max(output_rate) AS output_rate,
        sum(cost_usd) FILTER (WHERE priced AND error_code IS NULL) AS cost_usd,
        sum(requests) FILTER (WHERE priced AND error_code IS NULL) AS priced_requests
    FROM rollup_daily_cost /*models*/
    WHERE model IS NOT NULL
    GROUP BY ALL
),
priced AS MATERIALIZED (
    SELECT
        model, latency_mode,
        sum(cost_usd) / sum(priced_requests) AS cost_per_request,
        -- List price: the price table's output rate on the mode's latest day with one.
        arg_max(output_rate, day) FILTER (WHERE output_rate IS NOT NULL) AS output_rate
    FROM priced_daily
    GROUP BY ALL
),
p50 AS MATERIALIZED (
    SELECT
        b.model, b.latency_mode,
        CASE WHEN b.with_latency >= quantile_min_count(0.5)
            THEN sketch_quantile(s.sketch, 0.5) END AS p50
    FROM by_mode AS b
    LEFT JOIN sketches AS s ON s.model = b.model AND s.latency_mode = b.latency_mode
),
models AS (
    SELECT DISTINCT model FROM by_mode
),
wide AS (
    SELECT
        m.model,
        coalesce(bs.requests, 0) AS std_requests,
        coalesce(bo.requests, 0) AS opt_requests,
        coalesce(bs.with_latency, 0) AS std_with_latency,
        coalesce(bo.with_latency, 0) AS opt_with_latency,
        ps.p50 AS std_p50,
        po.p50 AS opt_p50,
        bs.tps AS std_tps,
        bo.tps AS opt_tps,
        rs.output_rate AS std_output_rate,
        ro.output_rate AS opt_output_rate,
        rs.cost_per_request AS std_cost_per_request,
        ro.cost_per_request AS opt_cost_per_request
    FROM models AS m
    LEFT JOIN by_mode AS bs ON bs.model = m.model AND bs.latency_mode = 'standard'
    LEFT JOIN by_mode AS bo ON bo.model = m.model AND bo.latency_mode = 'optimized'
    LEFT JOIN p50 AS ps ON ps.model = m.model AND ps.latency_mode = 'standard'
    LEFT JOIN p50 AS po ON po.model = m.model AND po.latency_mode = 'optimized'
    LEFT JOIN priced AS rs ON rs.model = m.model AND rs.latency_mode = 'standard'
    LEFT JOIN priced AS ro ON ro.model = m.model AND ro.latency_mode = 'optimized'
)
SELECT
    w.model,
    CAST(w.std_requests AS BIGINT) AS standard_requests,
    CAST(w.opt_requests AS BIGINT) AS optimized_requests,
    CAST(w.std_with_latency AS BIGINT) AS standard_requests_with_latency,
    CAST(w.opt_with_latency AS BIGINT) AS optimized_requests_with_latency,
    CAST(w.std_p50 AS DOUBLE) AS standard_p50_latency_ms,
    CAST(w.opt_p50 AS DOUBLE) AS optimized_p50_latency_ms,
    CAST(w.std_tps AS DOUBLE) AS standard_mean_output_tokens_per_s,
    CAST(w.opt_tps AS DOUBLE) AS optimized_mean_output_tokens_per_s,
    CAST(coalesce(p.paired_prompts, 0) AS BIGINT) AS paired_prompts,
    CAST(p.latency_improvement_pct AS DOUBLE) AS latency_improvement_pct,
    CAST(100 * (1 - w.opt_p50 / w.std_p50) AS DOUBLE) AS p50_latency_improvement_pct,
    CAST(w.std_output_rate / 1000 AS DOUBLE) AS standard_list_usd_per_1k_output,
    CAST(w.opt_output_rate / 1000 AS DOUBLE) AS optimized_list_usd_per_1k_output,
    CAST(w.std_cost_per_request AS DOUBLE) AS standard_observed_usd_per_request,
    CAST(w.opt_cost_per_request AS DOUBLE) AS optimized_observed_usd_per_request
FROM wide AS w
LEFT JOIN prompt_pairs_by_model AS p ON p.model = w.model
ORDER BY standard_requests + optimized_requests DESC, w.model
LIMIT 100
