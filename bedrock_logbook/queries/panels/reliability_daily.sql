-- Per UTC day x model: requests, errors, throttles and guardrail interventions, with rates,
-- from the daily rollup's counts (throttles: rollup_schema.THROTTLE_CODES =
-- ThrottlingException; interventions: guardrail_action = 'INTERVENED').
SELECT
    day,
    coalesce(model, model_id) AS model,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(sum(errors) AS BIGINT) AS errors,
    CAST(sum(throttles) AS BIGINT) AS throttles,
    CAST(sum(guardrail_interventions) AS BIGINT) AS interventions,
    CAST(sum(errors) / sum(requests) AS DOUBLE) AS error_rate,
    CAST(sum(guardrail_interventions) / sum(requests) AS DOUBLE) AS intervention_rate
FROM rollup_daily_live /*models*/
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY day, model
