-- Requests, tokens and cost per UTC day (`day`: the UTC date of the invocation).
SELECT
    day,
    count(*) AS requests,
    coalesce(sum(total_tokens), 0) AS total_tokens,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    count(*) FILTER (WHERE error_code IS NOT NULL) AS errors
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day
