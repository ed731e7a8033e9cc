-- purpose: Failed calls per day, model and error code, with the share of that model's requests.
-- grain: one row per day x model x error_code (failed calls only)
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW errors_daily AS
WITH totals AS (
    SELECT day, model_id, model, count(*) AS requests
    FROM (SELECT *, CAST(date AS DATE) AS day FROM raw_invocations)
    GROUP BY day, model_id, model
),
errors AS (
    SELECT day, model_id, model, error_code, count(*) AS errors
    FROM (SELECT *, CAST(date AS DATE) AS day FROM raw_invocations)
    WHERE error_code IS NOT NULL
    GROUP BY day, model_id, model, error_code
)
SELECT
    e.day,
    e.model,
    e.model_id,
    e.error_code,
    CAST(e.errors AS BIGINT) AS errors,
    CAST(t.requests AS BIGINT) AS requests,
    CAST(e.errors / t.requests AS DOUBLE) AS error_rate
FROM errors AS e
JOIN totals AS t
    ON t.day = e.day AND t.model_id IS NOT DISTINCT FROM e.model_id
    AND t.model IS NOT DISTINCT FROM e.model;
