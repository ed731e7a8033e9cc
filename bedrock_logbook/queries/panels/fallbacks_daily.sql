-- Requests that asked for optimized but were served standard, per day and reason, with what
-- the fallback saved (cost at the requested mode's rates minus the cost billed), from the
-- daily rollup (fallback_reason is in its grain). Only the fallback rows are priced
-- (rollup_cost over this query's own CTE), not every row of the rollup.
WITH fallbacks AS (
    SELECT
        day, fallback_reason, model, model_id_kind, profile_scope, region,
        requested_latency, served_latency, service_tier, prompt_band, tokens_missing,
        cache_read_used, cache_write_5m_used, cache_write_1h_used, requests, input_tokens,
        output_tokens, cache_read_tokens, cache_write_tokens, billed_cache_write_5m_tokens,
        billed_cache_write_1h_tokens
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
        AND requested_latency = 'optimized' AND served_latency = 'standard'
)
SELECT
    day,
    coalesce(fallback_reason, 'not stated') AS fallback_reason,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    sum(requested_cost_usd - cost_usd) AS saved_by_fallback_usd
FROM rollup_cost('fallbacks')
GROUP BY ALL
ORDER BY day, fallback_reason
