-- Least-squares line latency_ms = intercept + slope * output_tokens per model x served mode,
-- over successful calls: never pooled across models. 1000 / slope is the decode speed in
-- tokens/s (none from a flat or negative slope, as in the decode_speed view). The line comes
-- from the daily rollup's summed moments (least_squares_fit: the same slope, intercept and r2
-- as regr_* over the rows); never the raw rows. largest_output_tokens is decode_fit's: the
-- rollup keeps no per-request maximum, so it is the largest mean output of a rollup row
-- (sum x / n), a lower bound of the largest output (the chart draws the line at least to its
-- sample's largest output too).
SELECT
    model,
    served_mode,
    n,
    line.slope AS ms_per_output_token,
    line.intercept AS intercept_ms,
    line.r2 AS r2,
    CASE WHEN line.slope > 0 THEN 1000.0 / line.slope END AS decode_tokens_per_s,
    largest_output_tokens
FROM (
    SELECT
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        CAST(sum(fit_n) AS BIGINT) AS n,
        least_squares_fit(sum(fit_n), sum(fit_sum_x), sum(fit_sum_y), sum(fit_sum_xx),
            sum(fit_sum_xy), sum(fit_sum_yy)) AS line,
        max(fit_sum_x / fit_n) AS largest_output_tokens
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE AND error_code IS NULL AND fit_n > 0
    GROUP BY ALL
)
-- as regr_sxx > 0: at least two distinct x (least_squares_fit gives no slope otherwise)
WHERE n >= 2 AND line.slope IS NOT NULL
ORDER BY model, served_mode
