-- Least-squares line latency_ms = intercept + slope * output_tokens per model x served mode,
-- over successful calls: never pooled across models. 1000 / slope is the decode speed in
-- tokens/s (none from a flat or negative slope, as in the decode_speed view).
SELECT
    coalesce(model, model_id) AS model,
    coalesce(served_latency, 'unknown') AS served_mode,
    count(*) AS n,
    regr_slope(latency_ms, output_tokens) AS ms_per_output_token,
    regr_intercept(latency_ms, output_tokens) AS intercept_ms,
    regr_r2(latency_ms, output_tokens) AS r2,
    CASE WHEN regr_slope(latency_ms, output_tokens) > 0
        THEN 1000.0 / regr_slope(latency_ms, output_tokens) END AS decode_tokens_per_s,
    max(output_tokens) AS largest_output_tokens
FROM raw_invocations
WHERE /*filters*/ TRUE AND error_code IS NULL AND latency_ms IS NOT NULL
    AND output_tokens IS NOT NULL
GROUP BY ALL
HAVING count(*) >= 2 AND regr_sxx(latency_ms, output_tokens) > 0
ORDER BY model, served_mode
