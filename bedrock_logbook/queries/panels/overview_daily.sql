-- Requests, tokens and cost per UTC day (`day`: the UTC date of the invocation).
SELECT
    day,
    count(*) AS requests,
    coalesce(sum(total_tokens), 0) AS total_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE error_code IS NOT NULL) AS errors
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day
