-- purpose: Decode speed per model and served latency mode from the rollup's least-squares moments: latency_ms = intercept + slope x output_tokens over successful calls.
-- grain: one row per model x served_latency
-- layer: metrics
-- depends: rollup_daily_live, least_squares_fit
-- The same line regr_slope/regr_intercept/regr_r2 fit over the raw rows (decode_speed), from
-- sums that merge over any filter. No speed from a flat or negative slope.
CREATE OR REPLACE VIEW rollup_decode_fit AS
WITH fit AS (
    SELECT
        CAST(coalesce(model, model_id) AS VARCHAR) AS model,
        CAST(coalesce(served_latency, 'unknown') AS VARCHAR) AS served_latency,
        CAST(sum(fit_n) AS BIGINT) AS n,
        least_squares_fit(sum(fit_n), sum(fit_sum_x), sum(fit_sum_y), sum(fit_sum_xx),
            sum(fit_sum_xy), sum(fit_sum_yy)) AS line
    FROM rollup_daily_live
    WHERE error_code IS NULL AND fit_n > 0
    GROUP BY ALL
)
SELECT
    model,
    served_latency,
    n,
    line.slope AS ms_per_output_token,
    line.intercept AS intercept_ms,
    line.r2 AS r2,
    CAST(CASE WHEN line.slope > 0 THEN 1000.0 / line.slope END AS DOUBLE) AS decode_tokens_per_s
FROM fit
WHERE n >= 2;
