-- Two points per served mode (0 and the largest output) on the fitted decode line.
WITH fit AS (
    SELECT
        coalesce(served_latency, 'unknown') AS served_mode,
        regr_slope(latency_ms, output_tokens) AS slope,
        regr_intercept(latency_ms, output_tokens) AS intercept,
        max(output_tokens) AS max_x
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND error_code IS NULL AND latency_ms IS NOT NULL
        AND output_tokens IS NOT NULL
    GROUP BY ALL
    HAVING count(*) >= 2 AND regr_slope(latency_ms, output_tokens) IS NOT NULL
)
SELECT served_mode, x AS output_tokens, intercept + slope * x AS fitted_latency_ms
FROM fit, LATERAL (SELECT unnest([0, max_x]) AS x)
ORDER BY served_mode, output_tokens
