-- Cost by requestMetadata tag (key = value); requests without tags are not counted here.
-- Read from the tag rollup (rollup_tags_cost: one row per day x tag x filter and pricing
-- keys, priced by the invocations view's rules), not from raw rows. The rows are summed
-- per tag, day and pricing key (every column rollup_cost reads; token sums are exact
-- decimals) before rollup_cost, so rates are joined once per key, not per rollup row.
WITH key_rows AS (
    SELECT
        tag_key, tag_value,
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_tags_daily_live
    WHERE /*rollup_filters*/ TRUE AND tag_key IS NOT NULL
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
)
SELECT
    tag_key AS metadata_key,
    tag_value AS metadata_value,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    CAST(coalesce(sum(requests) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_requests,
    CAST(coalesce(sum(requests) FILTER (WHERE priced), 0) AS DOUBLE)
        / CAST(sum(requests) AS DOUBLE) AS priced_share
FROM rollup_cost('keys')
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, requests DESC, metadata_key, metadata_value
LIMIT 100
