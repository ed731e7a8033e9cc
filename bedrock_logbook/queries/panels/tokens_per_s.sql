-- Output tokens per second of whole requests (output_tokens * 1000 / latency_ms) by served
-- mode and model, over successful calls, from the daily rollup (never the raw rows):
-- percentiles of the per-request figure merged from its sketches (the order statistic within
-- 1%, guarded like guarded_quantile on the count of values), and the throughput as a ratio
-- of sums over the successful calls logged with both output tokens and latency (the fit
-- moments fit_sum_x / fit_sum_y; zero-output calls count with their time). n counts the
-- requests with a tokens/s figure. Neither is the decode speed (see decode_fit).
WITH
selected AS (
    SELECT
        coalesce(served_latency, 'unknown') AS served_mode,
        coalesce(model, model_id) AS model,
        output_tokens_per_s_count, output_tokens_per_s_sketch, fit_sum_x, fit_sum_y
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE AND error_code IS NULL
),
totals AS (
    SELECT
        served_mode, model,
        CAST(sum(output_tokens_per_s_count) AS BIGINT) AS n,
        sum(fit_sum_x) * 1000.0 / nullif(sum(fit_sum_y), 0) AS throughput_tokens_per_s
    FROM selected
    GROUP BY ALL
    HAVING sum(output_tokens_per_s_count) > 0
),
buckets AS (
    SELECT served_mode, model, sketch.bucket AS bucket, sum(sketch.n) AS n
    FROM (
        SELECT served_mode, model, unnest(output_tokens_per_s_sketch) AS sketch
        FROM selected
        WHERE output_tokens_per_s_count > 0
    )
    GROUP BY ALL
),
merged AS (
    SELECT served_mode, model, list({'bucket': bucket, 'n': n}) AS sketch
    FROM buckets
    GROUP BY ALL
)
SELECT
    t.served_mode,
    t.model,
    t.n,
    CASE WHEN t.n >= quantile_min_count(0.5) THEN sketch_quantile(m.sketch, 0.5) END
        AS p50_output_tokens_per_s,
    CASE WHEN t.n >= quantile_min_count(0.9) THEN sketch_quantile(m.sketch, 0.9) END
        AS p90_output_tokens_per_s,
    t.throughput_tokens_per_s
FROM totals AS t
JOIN merged AS m USING (served_mode, model)
ORDER BY t.n DESC, t.model, t.served_mode
LIMIT 100
