-- Least-squares line latency_ms = intercept + slope * output_tokens per model x served mode,
-- over successful calls: never pooled across models. 1000 / slope is the decode speed in
-- tokens/s (none from a flat or negative slope, as in the decode_speed view). The line comes
-- from the daily rollup's summed moments (least_squares_fit: the same slope, intercept and r2
-- as regr_* over the rows); largest_output_tokens is a maximum the rollup does not keep
-- (no fit_max_x column), so it alone is read from the raw rows.
WITH fit AS (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        CAST(sum(fit_n) AS BIGINT) AS n,
        least_squares_fit(sum(fit_n), sum(fit_sum_x), sum(fit_sum_y), sum(fit_sum_xx),
            sum(fit_sum_xy), sum(fit_sum_yy)) AS line
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE AND error_code IS NULL AND fit_n > 0
    GROUP BY ALL
),
largest AS (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        max(output_tokens) AS largest_output_tokens
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND error_code IS NULL AND latency_ms IS NOT NULL
        AND output_tokens IS NOT NULL
    GROUP BY ALL
)
SELECT
    f.model,
    f.served_mode,
    f.n,
    f.line.slope AS ms_per_output_token,
    f.line.intercept AS intercept_ms,
    f.line.r2 AS r2,
    CASE WHEN f.line.slope > 0 THEN 1000.0 / f.line.slope END AS decode_tokens_per_s,
    g.largest_output_tokens
FROM fit AS f
LEFT JOIN largest AS g ON g.model IS NOT DISTINCT FROM f.model AND g.served_mode = f.served_mode
-- as regr_sxx > 0: at least two distinct x (least_squares_fit gives no slope otherwise)
WHERE f.n >= 2 AND f.line.slope IS NOT NULL
ORDER BY f.model, f.served_mode
