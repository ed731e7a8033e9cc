-- purpose: The same prompt (prompt_fp) run standard and optimized on one model, side by side.
-- grain: one row per model x prompt_fp having successful calls with latency in both modes
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW mode_prompt_pairs AS
WITH per_mode AS (
    SELECT
        model,
        prompt_fp,
        latency_mode,
        count(*) AS calls,
        avg(latency_ms) AS mean_latency_ms
    FROM invocations
    WHERE prompt_fp IS NOT NULL AND latency_ms IS NOT NULL AND error_code IS NULL
    GROUP BY model, prompt_fp, latency_mode
)
SELECT
    s.model,
    s.prompt_fp,
    CAST(s.calls AS BIGINT) AS standard_calls,
    CAST(o.calls AS BIGINT) AS optimized_calls,
    CAST(s.mean_latency_ms AS DOUBLE) AS standard_mean_latency_ms,
    CAST(o.mean_latency_ms AS DOUBLE) AS optimized_mean_latency_ms,
    CAST(1 - o.mean_latency_ms / s.mean_latency_ms AS DOUBLE) AS latency_improvement
FROM per_mode AS s
JOIN per_mode AS o
    ON o.model = s.model AND o.prompt_fp = s.prompt_fp
    AND s.latency_mode = 'standard' AND o.latency_mode = 'optimized';
