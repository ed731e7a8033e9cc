-- purpose: Decode speed (1000 / slope of a least-squares fit of latency on output tokens) and throughput, per model and mode.
-- grain: one row per model x served_latency (successful calls with latency and output tokens)
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW decode_speed AS
WITH fit AS (
    SELECT
        model,
        coalesce(served_latency, 'unknown') AS served_latency,
        regr_slope(latency_ms, output_tokens) AS slope,
        regr_intercept(latency_ms, output_tokens) AS intercept,
        regr_r2(latency_ms, output_tokens) AS r2,
        regr_sxx(latency_ms, output_tokens) AS token_spread,
        regr_count(latency_ms, output_tokens) AS n,
        sum(output_tokens) AS sum_output_tokens,
        sum(latency_ms) AS sum_latency_ms
    FROM raw_invocations
    WHERE error_code IS NULL AND latency_ms IS NOT NULL AND output_tokens IS NOT NULL
    GROUP BY model, coalesce(served_latency, 'unknown')
)
SELECT
    model,
    served_latency,
    CAST(n AS BIGINT) AS n,
    -- One output length only (no spread) gives no line: NULL, not NaN.
    CAST(CASE WHEN token_spread > 0 THEN slope END AS DOUBLE) AS ms_per_output_token,
    -- A flat or negative slope (noise) has no meaningful speed.
    CAST(CASE WHEN token_spread > 0 AND slope > 0 THEN 1000.0 / slope END AS DOUBLE)
        AS decode_tokens_per_s,
    CAST(CASE WHEN token_spread > 0 THEN intercept END AS DOUBLE) AS intercept_ms,
    CAST(CASE WHEN token_spread > 0 THEN r2 END AS DOUBLE) AS r2,
    -- Not the fit: whole-request output tokens per second of latency, over the same calls.
    CAST(sum_output_tokens * 1000.0 / nullif(sum_latency_ms, 0) AS DOUBLE)
        AS throughput_tokens_per_s
FROM fit;
