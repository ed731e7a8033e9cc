-- purpose: Guardrail interventions per day and model, against all requests.
-- grain: one row per day x model_id with at least one intervention
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW guardrail_interventions AS
SELECT
    day,
    model,
    model_id,
    CAST(count(*) FILTER (WHERE guardrail_action = 'INTERVENED') AS BIGINT) AS interventions,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(
        count(*) FILTER (WHERE guardrail_action = 'INTERVENED') / count(*) AS DOUBLE
    ) AS intervention_rate,
    CAST(count(DISTINCT caller) FILTER (WHERE guardrail_action = 'INTERVENED') AS BIGINT)
        AS callers_intervened
FROM (SELECT *, CAST(date AS DATE) AS day FROM raw_invocations)
GROUP BY day, model, model_id
HAVING count(*) FILTER (WHERE guardrail_action = 'INTERVENED') > 0;
