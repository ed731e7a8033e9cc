-- Per UTC day x model: requests, errors, throttles and guardrail interventions, with rates.
SELECT
    date AS day,
    coalesce(model, model_id) AS model,
    count(*) AS requests,
    count(*) FILTER (WHERE error_code IS NOT NULL) AS errors,
    count(*) FILTER (WHERE error_code = 'ThrottlingException') AS throttles,
    count(*) FILTER (WHERE guardrail_action = 'INTERVENED') AS interventions,
    count(*) FILTER (WHERE error_code IS NOT NULL) / count(*) AS error_rate,
    count(*) FILTER (WHERE guardrail_action = 'INTERVENED') / count(*) AS intervention_rate
FROM raw_invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day, model
