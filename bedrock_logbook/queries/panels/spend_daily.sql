-- Spend per UTC day, stacked by the dimension chosen on the page ($dimension: model, caller,
-- account or tag; with tag, $tag_key names the requestMetadata key and requests without it
-- are '(untagged)'). The eight costliest values are kept, the rest summed as 'other'.
-- Model is in the model cube's grain, caller and account in the daily rollup's (both priced
-- by rollup_cost: cost equal to the invocations view's); tags are not (docs/rollups.md), so
-- 'tag' reads the invocations view. Only the branch of the chosen dimension returns rows.
-- Priced per value, day and pricing key, not per rollup row: the rows are summed per key
-- (every column rollup_cost reads; token sums are exact decimals) before rollup_cost.
WITH key_rows AS (
    SELECT
        coalesce(model, model_id, '(none)') AS value,
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_daily_live /*models*/
    WHERE $dimension = 'model' AND /*rollup_filters*/ TRUE
    UNION ALL
    SELECT
        coalesce(CASE $dimension
            WHEN 'caller' THEN caller
            WHEN 'account' THEN account_id
        END, '(none)') AS value,
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_daily_live
    WHERE $dimension IN ('caller', 'account') AND /*rollup_filters*/ TRUE
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
),
selected AS (
    SELECT
        day,
        value,
        requests,
        cost_usd,
        CASE WHEN coalesce(priced, FALSE) THEN 0 ELSE requests END AS unpriced_requests
    FROM rollup_cost('keys')
    UNION ALL
    SELECT
        day,
        coalesce(map_extract(request_metadata, $tag_key)[1], '(untagged)') AS value,
        1 AS requests,
        cost_usd,
        CASE WHEN coalesce(priced, FALSE) THEN 0 ELSE 1 END AS unpriced_requests
    FROM invocations
    WHERE $dimension = 'tag' AND /*filters*/ TRUE
),
top_values AS (
    SELECT value FROM selected GROUP BY value
    ORDER BY coalesce(sum(cost_usd), 0) DESC, sum(requests) DESC, value LIMIT 8
)
SELECT
    day,
    CASE WHEN value IN (SELECT value FROM top_values) THEN value ELSE 'other' END AS value,
    CAST(sum(requests) AS BIGINT) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,  -- priced requests only
    CAST(sum(unpriced_requests) AS BIGINT) AS unpriced_requests
FROM selected
GROUP BY ALL
ORDER BY day, value
