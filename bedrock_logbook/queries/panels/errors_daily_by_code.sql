-- Failed calls per UTC day x model x error code (throttles are ThrottlingException), with
-- that day's requests of the model for the rate, from the daily rollup (error_code is in
-- its grain, so the counts are exact).
WITH selected AS (
    SELECT day, coalesce(model, model_id) AS model, error_code, requests
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
totals AS (SELECT day, model, sum(requests) AS requests FROM selected GROUP BY ALL)
SELECT
    s.day,
    s.model,
    s.error_code,
    CAST(sum(s.requests) AS BIGINT) AS errors,
    CAST(any_value(t.requests) AS BIGINT) AS requests,
    CAST(sum(s.requests) / any_value(t.requests) AS DOUBLE) AS error_rate
FROM selected AS s
JOIN totals AS t ON t.day = s.day AND t.model IS NOT DISTINCT FROM s.model
WHERE s.error_code IS NOT NULL
GROUP BY s.day, s.model, s.error_code
ORDER BY s.day, s.model, s.error_code
