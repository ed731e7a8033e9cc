-- How many requests the drill-down pages through ($errors_only as in requests_page), from the
-- daily rollup (rollup_daily_live: the raw rows while the rollup is behind), not a count of
-- raw rows. Exact: error_code is in the rollup's grain, so a row with an error_code counts
-- all its requests as failed, and a row without one counts its guardrail interventions.
SELECT CAST(coalesce(sum(CASE
    WHEN NOT $errors_only OR error_code IS NOT NULL THEN requests
    ELSE guardrail_interventions
END), 0) AS BIGINT) AS requests
FROM rollup_daily_live
WHERE /*rollup_filters*/ TRUE
