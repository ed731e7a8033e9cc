-- Failed calls per UTC day x model x error code (throttles are ThrottlingException), with
-- that day's requests of the model for the rate.
WITH selected AS (
    SELECT date AS day, coalesce(model, model_id) AS model, error_code
    FROM raw_invocations
    WHERE /*filters*/ TRUE
),
totals AS (SELECT day, model, count(*) AS requests FROM selected GROUP BY ALL)
SELECT
    s.day,
    s.model,
    s.error_code,
    count(*) AS errors,
    any_value(t.requests) AS requests,
    count(*) / any_value(t.requests) AS error_rate
FROM selected AS s
JOIN totals AS t ON t.day = s.day AND t.model IS NOT DISTINCT FROM s.model
WHERE s.error_code IS NOT NULL
GROUP BY s.day, s.model, s.error_code
ORDER BY s.day, s.model, s.error_code
