-- Prompt-cache use per model: tokens read from / written to the cache, the cache hit ratio
-- (as in the cache_savings view), and what it saved: reads billed at the cache-read rate instead of
-- the input rate, less the premium paid on cache writes (rates from rollup_daily_cost, the
-- invocations view's rates: every request of a rollup row has the same ones). The rows are
-- summed per day and pricing key (every column rollup_cost reads; token sums are exact
-- decimals) before rollup_cost, so rates are joined once per key, not per rollup row.
WITH key_rows AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
)
SELECT
    coalesce(model, model_id) AS model,
    CAST(sum(requests) AS BIGINT) AS requests,
    CAST(coalesce(sum(input_tokens), 0) AS HUGEINT) AS input_tokens,
    CAST(coalesce(sum(cache_read_tokens), 0) AS HUGEINT) AS cache_read_tokens,
    CAST(coalesce(sum(cache_write_tokens), 0) AS HUGEINT) AS cache_write_tokens,
    coalesce(sum(cache_read_tokens), 0)
        / nullif(coalesce(sum(input_tokens), 0) + coalesce(sum(cache_read_tokens), 0)
                 + coalesce(sum(cache_write_tokens), 0), 0) AS cache_hit_ratio,
    sum(coalesce(cache_read_tokens, 0) * (input_rate - cache_read_rate)) / 1e6
        AS cache_read_savings_usd,
    sum(coalesce(cache_write_tokens, 0) * (cache_write_rate - input_rate)) / 1e6
        AS cache_write_premium_usd
FROM rollup_cost('keys')
GROUP BY ALL
HAVING coalesce(sum(cache_read_tokens), 0) + coalesce(sum(cache_write_tokens), 0) > 0
ORDER BY cache_read_tokens DESC, model
LIMIT 50
