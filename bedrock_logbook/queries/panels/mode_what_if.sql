-- What would this traffic cost if every request were served optimized, or standard?
-- Per model, the per-token rates of each mode (input, output, cache read, cache write) are
-- those billed to its priced traffic in that mode in the selection (the invocations view's
-- rate columns), so a model seen in one mode only gets no estimate for the other. Cache
-- tokens keep the request's own cache rate when the other mode has none.
WITH selected AS (
    SELECT
        coalesce(model, model_id) AS model,
        served_latency = 'optimized' AS optimized,
        coalesce(served_latency, 'unknown') AS served_mode,
        cost_usd,
        coalesce(input_tokens, 0) AS input_tokens,
        coalesce(output_tokens, 0) AS output_tokens,
        coalesce(cache_read_tokens, 0) AS cache_read_tokens,
        coalesce(cache_write_tokens, 0) AS cache_write_tokens,
        cache_read_rate,
        cache_write_rate,
        latency_ms
    FROM invocations
    WHERE /*filters*/ TRUE AND coalesce(priced, FALSE)
),
rates AS (
    SELECT
        model,
        avg(input_rate) FILTER (WHERE served_latency = 'optimized') AS opt_input,
        avg(output_rate) FILTER (WHERE served_latency = 'optimized') AS opt_output,
        avg(cache_read_rate) FILTER (WHERE served_latency = 'optimized') AS opt_cache_read,
        avg(cache_write_rate) FILTER (WHERE served_latency = 'optimized') AS opt_cache_write,
        avg(input_rate) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized') AS std_input,
        avg(output_rate) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized') AS std_output,
        avg(cache_read_rate) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized') AS std_cache_read,
        avg(cache_write_rate) FILTER (WHERE served_latency IS DISTINCT FROM 'optimized') AS std_cache_write,
        count(latency_ms) FILTER (WHERE served_latency = 'optimized')
            AS optimized_requests_with_latency,
        count(latency_ms) FILTER (WHERE served_latency = 'standard')
            AS standard_requests_with_latency,
        guarded_quantile(CASE WHEN served_latency = 'optimized' THEN latency_ms END, 0.5)
            AS optimized_p50_latency_ms,
        guarded_quantile(CASE WHEN served_latency = 'standard' THEN latency_ms END, 0.5)
            AS standard_p50_latency_ms
    FROM invocations
    WHERE /*filters*/ TRUE AND coalesce(priced, FALSE)
    GROUP BY ALL
)
SELECT
    s.model,
    count(*) AS requests,
    count(*) FILTER (WHERE s.optimized) AS served_optimized,
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
    any_value(r.standard_p50_latency_ms) AS standard_p50_latency_ms,
    any_value(r.optimized_requests_with_latency) AS optimized_requests_with_latency,
    any_value(r.optimized_p50_latency_ms) AS optimized_p50_latency_ms
FROM selected AS s JOIN rates AS r USING (model)
GROUP BY s.model
ORDER BY actual_cost_usd DESC NULLS LAST, s.model
LIMIT 50
