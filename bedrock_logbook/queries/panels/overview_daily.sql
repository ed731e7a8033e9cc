-- Requests, tokens and cost per UTC day.
SELECT
    date_trunc('day', ts)::DATE AS day,
    count(*) AS requests,
    coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0) AS tokens,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    count(*) FILTER (WHERE error_code IS NOT NULL) AS errors
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day
