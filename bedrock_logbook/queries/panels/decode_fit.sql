-- Least-squares line latency_ms = intercept + slope * output_tokens per served mode (the
-- decode-speed picture): 1000 / slope is the marginal decode speed in tokens/s and the
-- intercept approximates time to first token plus prompt processing. From the daily
-- rollup's fit moments (least_squares_fit over summed fit_* columns of successful calls),
-- never the raw rows; NULL where every output is equal (regr_slope gives NaN there).
-- largest_output_tokens: the rollup keeps no per-request maximum, so it is the largest mean
-- output per rollup row (sum x / n): a lower bound of the largest output, enough to draw
-- the fitted line across the data (docs/rollups.md).
WITH fit AS (
    SELECT
        coalesce(served_latency, 'unknown') AS served_mode,
        CAST(sum(fit_n) AS BIGINT) AS n,
        least_squares_fit(sum(fit_n), sum(fit_sum_x), sum(fit_sum_y), sum(fit_sum_xx),
            sum(fit_sum_xy), sum(fit_sum_yy)) AS line,
        max(fit_sum_x / fit_n) AS largest_output_tokens
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE AND error_code IS NULL AND fit_n > 0
    GROUP BY ALL
)
SELECT
    served_mode,
    n,
    line.slope AS ms_per_output_token,
    line.intercept AS intercept_ms,
    line.r2 AS r2,
    CASE WHEN line.slope > 0 THEN 1000.0 / line.slope END AS decode_tokens_per_s,
    largest_output_tokens
FROM fit
WHERE n >= 2
ORDER BY served_mode
