-- Cost and volume grouped by the dimension chosen on the page ($dimension selects a column;
-- it is a bound value, not SQL), from the daily rollup (every dimension is in its grain).
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
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(coalesce(sum(input_tokens), 0) AS HUGEINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS HUGEINT) AS output_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    CAST(coalesce(sum(requests) FILTER (WHERE NOT coalesce(priced, FALSE)), 0) AS BIGINT)
        AS unpriced_requests,
    coalesce(sum(requests) FILTER (WHERE priced), 0) / sum(requests) AS priced_share
FROM rollup_daily_cost
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, requests DESC, value
LIMIT 50
