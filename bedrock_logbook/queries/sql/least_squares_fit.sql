-- purpose: Least-squares line latency_ms = intercept + slope x output_tokens, and r2, from summed moments (the rollups' fit_* columns), as regr_slope/regr_intercept/regr_r2 give over the rows.
-- grain: a scalar (a struct slope, intercept, r2) of the sums n, sum x, sum y, sum x2, sum xy, sum y2
-- layer: seed
-- kind: macro
-- depends:
-- least_squares_fit(sum(fit_n), sum(fit_sum_x), sum(fit_sum_y), sum(fit_sum_xx), sum(fit_sum_xy),
-- sum(fit_sum_yy)). slope = (n Sxy - Sx Sy) / (n Sxx - Sx^2); intercept = (Sy - slope Sx) / n;
-- r2 = (n Sxy - Sx Sy)^2 / ((n Sxx - Sx^2)(n Syy - Sy^2)), 1 when every y is equal (as regr_r2).
-- All NULL when every x is equal (regr_slope gives NaN there; no line either way).
CREATE OR REPLACE MACRO least_squares_fit(fit_n, fit_sx, fit_sy, fit_sxx, fit_sxy, fit_syy) AS {
    'slope': CAST((fit_n * fit_sxy - fit_sx * fit_sy)
        / nullif(fit_n * fit_sxx - fit_sx * fit_sx, 0) AS DOUBLE),
    'intercept': CAST((fit_sy - (fit_n * fit_sxy - fit_sx * fit_sy)
        / nullif(fit_n * fit_sxx - fit_sx * fit_sx, 0) * fit_sx) / nullif(fit_n, 0) AS DOUBLE),
    'r2': CAST(CASE
        WHEN nullif(fit_n * fit_sxx - fit_sx * fit_sx, 0) IS NULL THEN NULL
        WHEN fit_n * fit_syy - fit_sy * fit_sy <= 0 THEN 1
        ELSE least(1, pow(fit_n * fit_sxy - fit_sx * fit_sy, 2)
            / ((fit_n * fit_sxx - fit_sx * fit_sx) * (fit_n * fit_syy - fit_sy * fit_sy)))
    END AS DOUBLE)
};
