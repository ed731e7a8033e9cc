-- What would this traffic cost if every request were served optimized, or standard?
-- Per model, the per-token rates of each mode (input, output, cache read, cache write) are
-- those billed to its priced traffic in that mode in the selection (request-weighted averages
-- of rollup_daily_cost's rates, which are the invocations view's), so a model seen in one
-- mode only gets no estimate for the other. Cache tokens keep the rows' own cache rate when
-- the other mode has none. Every request of a rollup row has the same rates, so the sums
-- over rows equal the sums over requests.
WITH selected AS (
    SELECT
        coalesce(model, model_id) AS model,
        served_latency = 'optimized' AS optimized,
        served_latency,
        requests,
        cost_usd,
        coalesce(input_tokens, 0) AS input_tokens,
        coalesce(output_tokens, 0) AS output_tokens,
        coalesce(cache_read_tokens, 0) AS cache_read_tokens,
        coalesce(cache_write_tokens, 0) AS cache_write_tokens,
        input_rate,
        output_rate,
        cache_read_rate,
        cache_write_rate,
        latency_ms_sketch,
        latency_ms_count
    FROM rollup_daily_cost /*models*/
    WHERE /*rollup_filters*/ TRUE AND coalesce(priced, FALSE)
),
rates AS (
    SELECT
        model,
        sum(input_rate * requests) FILTER (WHERE served_latency = 'optimized')
            / sum(requests) FILTER (WHERE served_latency = 'optimized'
                AND input_rate IS NOT NULL) AS opt_input,
        sum(output_rate * requests) FILTER (WHERE served_latency = 'optimized')
            / sum(requests) FILTER (WHERE served_latency = 'optimized'
                AND output_rate IS NOT NULL) AS opt_output,
        sum(cache_read_rate * requests) FILTER (WHERE served_latency = 'optimized')
            / sum(requests) FILTER (WHERE served_latency = 'optimized'
                AND cache_read_rate IS NOT NULL) AS opt_cache_read,
        sum(cache_write_rate * requests) FILTER (WHERE served_latency = 'optimized')
            / sum(requests) FILTER (WHERE served_latency = 'optimized'
                AND cache_write_rate IS NOT NULL) AS opt_cache_write,
        sum(input_rate * requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized')
            / sum(requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized'
                AND input_rate IS NOT NULL) AS std_input,
        sum(output_rate * requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized')
            / sum(requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized'
                AND output_rate IS NOT NULL) AS std_output,
        sum(cache_read_rate * requests)
            FILTER (WHERE served_latency IS DISTINCT FROM 'optimized')
            / sum(requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized'
                AND cache_read_rate IS NOT NULL) AS std_cache_read,
        sum(cache_write_rate * requests)
            FILTER (WHERE served_latency IS DISTINCT FROM 'optimized')
            / sum(requests) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized'
                AND cache_write_rate IS NOT NULL) AS std_cache_write,
        CAST(coalesce(sum(latency_ms_count) FILTER (WHERE served_latency = 'optimized'), 0)
            AS BIGINT) AS optimized_requests_with_latency,
        CAST(coalesce(sum(latency_ms_count) FILTER (WHERE served_latency = 'standard'), 0)
            AS BIGINT) AS standard_requests_with_latency
    FROM selected
    GROUP BY ALL
),
-- p50 per model and served mode from the latency sketches summed per bucket.
merged AS (
    SELECT model, served_latency, list({'bucket': bucket, 'n': n}) AS sketch
    FROM (
        SELECT model, served_latency, e.bucket AS bucket, sum(e.n) AS n
        FROM selected, unnest(selected.latency_ms_sketch) AS t(e)
        WHERE served_latency IN ('optimized', 'standard')
        GROUP BY ALL
    )
    GROUP BY ALL
),
p50 AS (
    SELECT
        r.model,
        CASE WHEN r.optimized_requests_with_latency >= quantile_min_count(0.5)
            THEN sketch_quantile(o.sketch, 0.5) END AS optimized_p50_latency_ms,
        CASE WHEN r.standard_requests_with_latency >= quantile_min_count(0.5)
            THEN sketch_quantile(s.sketch, 0.5) END AS standard_p50_latency_ms
    FROM rates AS r
    LEFT JOIN merged AS o
        ON o.model IS NOT DISTINCT FROM r.model AND o.served_latency = 'optimized'
    LEFT JOIN merged AS s
        ON s.model IS NOT DISTINCT FROM r.model AND s.served_latency = 'standard'
)
SELECT
    s.model,
    CAST(sum(s.requests) AS BIGINT) AS requests,
    CAST(coalesce(sum(s.requests) FILTER (WHERE s.optimized), 0) AS BIGINT) AS served_optimized,
    sum(s.cost_usd) AS actual_cost_usd,
    sum(CASE WHEN s.optimized THEN s.cost_usd ELSE (
        s.input_tokens * r.opt_input + s.output_tokens * r.opt_output
        + s.cache_read_tokens * coalesce(r.opt_cache_read, s.cache_read_rate, 0)
        + s.cache_write_tokens * coalesce(r.opt_cache_write, s.cache_write_rate, 0)
    ) / 1e6 END) AS all_optimized_cost_usd,
    sum(CASE WHEN NOT coalesce(s.optimized, FALSE) THEN s.cost_usd ELSE (
        s.input_tokens * r.std_input + s.output_tokens * r.std_output
        + s.cache_read_tokens * coalesce(r.std_cache_read, s.cache_read_rate, 0)
        + s.cache_write_tokens * coalesce(r.std_cache_write, s.cache_write_rate, 0)
    ) / 1e6 END) AS all_standard_cost_usd,
    any_value(r.standard_requests_with_latency) AS standard_requests_with_latency,
    any_value(p.standard_p50_latency_ms) AS standard_p50_latency_ms,
    any_value(r.optimized_requests_with_latency) AS optimized_requests_with_latency,
    any_value(p.optimized_p50_latency_ms) AS optimized_p50_latency_ms
FROM selected AS s JOIN rates AS r USING (model) JOIN p50 AS p USING (model)
GROUP BY s.model
ORDER BY actual_cost_usd DESC NULLS LAST, s.model
LIMIT 50
