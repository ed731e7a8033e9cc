-- purpose: Decode speed fit (latency on output tokens) per model, mode and serving Region.
-- grain: one row per model x served_latency x inference_region
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW decode_speed_by_region AS
WITH fit AS (
    SELECT
        model,
        coalesce(served_latency, 'unknown') AS served_latency,
        inference_region,
        regr_slope(latency_ms, output_tokens) AS slope,
        regr_intercept(latency_ms, output_tokens) AS intercept,
        regr_r2(latency_ms, output_tokens) AS r2,
        regr_sxx(latency_ms, output_tokens) AS token_spread,
        regr_count(latency_ms, output_tokens) AS n,
        sum(output_tokens) AS sum_output_tokens,
        sum(latency_ms) AS sum_latency_ms
    FROM raw_invocations
    WHERE error_code IS NULL AND latency_ms IS NOT NULL AND output_tokens IS NOT NULL
    GROUP BY model, coalesce(served_latency, 'unknown'), inference_region
)
SELECT
    model,
    served_latency,
    inference_region,
    CAST(n AS BIGINT) AS n,
    CAST(CASE WHEN token_spread > 0 THEN slope END AS DOUBLE) AS ms_per_output_token,
    CAST(CASE WHEN token_spread > 0 AND slope > 0 THEN 1000.0 / slope END AS DOUBLE)
        AS decode_tokens_per_s,
    CAST(CASE WHEN token_spread > 0 THEN intercept END AS DOUBLE) AS intercept_ms,
    CAST(CASE WHEN token_spread > 0 THEN r2 END AS DOUBLE) AS r2,
    -- Not the fit: whole-request output tokens per second of latency, over the same calls.
    CAST(sum_output_tokens * 1000.0 / nullif(sum_latency_ms, 0) AS DOUBLE)
        AS throughput_tokens_per_s
FROM fit;
