-- purpose: Standard vs latency-optimized per model: requests, p50, tokens/s, improvement, list price per 1K output and observed cost per request.
-- grain: one row per model
-- layer: metrics
-- depends: invocations, mode_prompt_pairs, guarded_quantile
CREATE OR REPLACE VIEW mode_comparison AS
WITH by_mode AS (
    SELECT
        model,
        count(*) FILTER (WHERE latency_mode = 'standard') AS std_requests,
        count(*) FILTER (WHERE latency_mode = 'optimized') AS opt_requests,
        count(latency_ms) FILTER (WHERE latency_mode = 'standard') AS std_with_latency,
        count(latency_ms) FILTER (WHERE latency_mode = 'optimized') AS opt_with_latency,
        guarded_quantile(CASE WHEN latency_mode = 'standard' THEN latency_ms END, 0.5) AS std_p50,
        guarded_quantile(CASE WHEN latency_mode = 'optimized' THEN latency_ms END, 0.5)
            AS opt_p50,
        avg(output_tokens_per_s) FILTER (WHERE latency_mode = 'standard' AND error_code IS NULL)
            AS std_tps,
        avg(output_tokens_per_s) FILTER (WHERE latency_mode = 'optimized' AND error_code IS NULL)
            AS opt_tps,
        -- List price: the price table's output rate applied to the mode's latest request.
        arg_max(output_rate, ts) FILTER (WHERE latency_mode = 'standard' AND output_rate IS NOT NULL)
            AS std_output_rate,
        arg_max(output_rate, ts) FILTER (WHERE latency_mode = 'optimized' AND output_rate IS NOT NULL)
            AS opt_output_rate,
        -- Observed: what a successful priced request cost, every token class included.
        avg(cost_usd) FILTER (WHERE latency_mode = 'standard' AND priced AND error_code IS NULL)
            AS std_cost_per_request,
        avg(cost_usd) FILTER (WHERE latency_mode = 'optimized' AND priced AND error_code IS NULL)
            AS opt_cost_per_request
    FROM invocations
    WHERE model IS NOT NULL
    GROUP BY model
),
pairs AS (
    SELECT model, count(*) AS prompts, avg(latency_improvement) AS mean_improvement
    FROM mode_prompt_pairs
    GROUP BY model
)
SELECT
    m.model,
    CAST(m.std_requests AS BIGINT) AS standard_requests,
    CAST(m.opt_requests AS BIGINT) AS optimized_requests,
    CAST(m.std_with_latency AS BIGINT) AS standard_requests_with_latency,
    CAST(m.opt_with_latency AS BIGINT) AS optimized_requests_with_latency,
    CAST(m.std_p50 AS DOUBLE) AS standard_p50_latency_ms,
    CAST(m.opt_p50 AS DOUBLE) AS optimized_p50_latency_ms,
    CAST(m.std_tps AS DOUBLE) AS standard_mean_output_tokens_per_s,
    CAST(m.opt_tps AS DOUBLE) AS optimized_mean_output_tokens_per_s,
    CAST(coalesce(p.prompts, 0) AS BIGINT) AS paired_prompts,
    -- Mean over prompts of 1 - optimized/standard latency for the same prompt_fp.
    CAST(100 * p.mean_improvement AS DOUBLE) AS latency_improvement_pct,
    CAST(100 * (1 - m.opt_p50 / m.std_p50) AS DOUBLE) AS p50_latency_improvement_pct,
    CAST(m.std_output_rate / 1000 AS DOUBLE) AS standard_list_usd_per_1k_output,
    CAST(m.opt_output_rate / 1000 AS DOUBLE) AS optimized_list_usd_per_1k_output,
    CAST(m.std_cost_per_request AS DOUBLE) AS standard_observed_usd_per_request,
    CAST(m.opt_cost_per_request AS DOUBLE) AS optimized_observed_usd_per_request
FROM by_mode AS m
LEFT JOIN pairs AS p ON p.model = m.model;
