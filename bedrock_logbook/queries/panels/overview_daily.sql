-- Requests, tokens and cost per UTC day.
SELECT
    date_trunc('day', ts)::DATE AS day,
    count(*) AS requests,
    coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0) AS tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE error_code IS NOT NULL) AS errors
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day
