-- Prompt-cache use per model: tokens read from / written to the cache, the cache hit ratio
-- (as in the cache_savings view), and what it saved: reads billed at the cache-read rate instead of
-- the input rate, less the premium paid on cache writes (rates from rollup_daily_cost, the
-- invocations view's rates: every request of a rollup row has the same ones).
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
FROM rollup_daily_cost /*models*/
WHERE /*rollup_filters*/ TRUE
GROUP BY ALL
HAVING coalesce(sum(cache_read_tokens), 0) + coalesce(sum(cache_write_tokens), 0) > 0
ORDER BY cache_read_tokens DESC, model
LIMIT 50
