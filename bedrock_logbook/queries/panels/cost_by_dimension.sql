-- Cost and volume grouped by the dimension chosen on the page ($dimension selects a column;
-- it is a bound value, not SQL).
SELECT
    coalesce(CASE $dimension
        WHEN 'model' THEN coalesce(model, model_id)
        WHEN 'served_mode' THEN coalesce(served_latency, 'unknown')
        WHEN 'requested_mode' THEN requested_latency
        WHEN 'profile_scope' THEN coalesce(profile_scope, 'direct')
        WHEN 'caller' THEN caller
        WHEN 'operation' THEN operation
        WHEN 'region' THEN region
        WHEN 'inference_region' THEN inference_region
    END, '(none)') AS value,
    count(*) AS requests,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) AS unpriced_requests,
    count(*) FILTER (WHERE priced) / count(*) AS priced_share
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, requests DESC, value
LIMIT 50
