-- purpose: Standard vs latency-optimized per model: requests, p50, tokens/s, improvement, cost per 1K output.
-- grain: one row per model
-- layer: metrics
-- depends: invocations, mode_prompt_pairs
CREATE OR REPLACE VIEW mode_comparison AS
WITH by_mode AS (
    SELECT
        model,
        count(*) FILTER (WHERE latency_mode = 'standard') AS std_requests,
        count(*) FILTER (WHERE latency_mode = 'optimized') AS opt_requests,
        quantile_cont(latency_ms, 0.5) FILTER (WHERE latency_mode = 'standard') AS std_p50,
        quantile_cont(latency_ms, 0.5) FILTER (WHERE latency_mode = 'optimized') AS opt_p50,
        avg(output_tokens_per_s) FILTER (WHERE latency_mode = 'standard') AS std_tps,
        avg(output_tokens_per_s) FILTER (WHERE latency_mode = 'optimized') AS opt_tps,
        sum(cost_usd) FILTER (WHERE latency_mode = 'standard' AND priced) AS std_cost,
        sum(output_tokens) FILTER (WHERE latency_mode = 'standard' AND priced) AS std_out,
        sum(cost_usd) FILTER (WHERE latency_mode = 'optimized' AND priced) AS opt_cost,
        sum(output_tokens) FILTER (WHERE latency_mode = 'optimized' AND priced) AS opt_out
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
    CAST(m.std_p50 AS DOUBLE) AS standard_p50_latency_ms,
    CAST(m.opt_p50 AS DOUBLE) AS optimized_p50_latency_ms,
    CAST(m.std_tps AS DOUBLE) AS standard_mean_output_tokens_per_s,
    CAST(m.opt_tps AS DOUBLE) AS optimized_mean_output_tokens_per_s,
    CAST(coalesce(p.prompts, 0) AS BIGINT) AS paired_prompts,
    -- Mean over prompts of 1 - optimized/standard latency for the same prompt_fp.
    CAST(100 * p.mean_improvement AS DOUBLE) AS latency_improvement_pct,
    CAST(100 * (1 - m.opt_p50 / m.std_p50) AS DOUBLE) AS p50_latency_improvement_pct,
    CAST(1000 * m.std_cost / nullif(m.std_out, 0) AS DOUBLE) AS standard_usd_per_1k_output,
    CAST(1000 * m.opt_cost / nullif(m.opt_out, 0) AS DOUBLE) AS optimized_usd_per_1k_output
FROM by_mode AS m
LEFT JOIN pairs AS p ON p.model = m.model;
