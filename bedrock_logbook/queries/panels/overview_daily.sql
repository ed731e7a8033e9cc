-- Requests, tokens and cost per UTC day (`day`: the UTC date of the invocation), from the
-- daily rollup.
SELECT
    day,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(coalesce(sum(total_tokens), 0) AS HUGEINT) AS total_tokens,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    CAST(sum(errors) AS BIGINT) AS errors
FROM rollup_daily_cost /*models*/
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
ORDER BY day
