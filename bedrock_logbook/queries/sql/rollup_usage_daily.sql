-- purpose: Requests, errors, tokens and cost per UTC day from the daily rollup (the same numbers as the invocations view gives, read from a few rows a day).
-- grain: one row per day
-- layer: metrics
-- depends: rollup_daily_cost
-- Exact while rollup_staleness says current: counts and token sums add, and cost is priced
-- per rollup row by the invocations view's rates (rollup_cost).
CREATE OR REPLACE VIEW rollup_usage_daily AS
SELECT
    day,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(sum(errors) AS BIGINT) AS errors,
    CAST(coalesce(sum(input_tokens), 0) AS HUGEINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS HUGEINT) AS output_tokens,
    CAST(coalesce(sum(total_tokens), 0) AS HUGEINT) AS total_tokens,
    CAST(sum(cost_usd) AS DOUBLE) AS cost_usd,  -- priced requests only; NULL when none is
    CAST(coalesce(sum(requests) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_requests
FROM rollup_daily_cost
GROUP BY day;
