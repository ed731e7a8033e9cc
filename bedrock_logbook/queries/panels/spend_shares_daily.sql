-- Per UTC day: spend, the share of it that carries no requestMetadata tag at all, and the
-- share of requests that could not be priced (not in any spend figure). Requests, spend and
-- unpriced requests come from the daily rollup (rollup_daily_cost); tags are not in its
-- grain (docs/rollups.md), so the untagged spend comes from the tag rollup's untagged rows
-- (rollup_tags_cost, tag_key NULL: each untagged request once), priced by the same rules.
-- Both are priced per day and pricing key, not per rollup row: the rows are summed per key
-- (every column rollup_cost reads; token sums are exact decimals) before rollup_cost.
WITH key_rows AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
),
untagged_key_rows AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_tags_daily_live
    WHERE /*rollup_filters*/ TRUE AND tag_key IS NULL
),
untagged_keys AS (
    SELECT * FROM pricing_key_sums('untagged_key_rows')
),
totals AS (
    SELECT
        day,
        CAST(sum(requests) AS BIGINT) AS requests,
        coalesce(sum(cost_usd), 0) AS cost_usd,
        CAST(coalesce(sum(requests) FILTER (WHERE NOT coalesce(priced, FALSE)), 0) AS BIGINT)
            AS unpriced_requests
    FROM rollup_cost('keys')
    GROUP BY day
),
untagged AS (
    SELECT day, coalesce(sum(cost_usd), 0) AS untagged_cost_usd
    FROM rollup_cost('untagged_keys')
    GROUP BY day
)
SELECT
    t.day,
    t.requests,
    t.cost_usd,
    coalesce(u.untagged_cost_usd, 0) AS untagged_cost_usd,
    coalesce(u.untagged_cost_usd, 0) / nullif(t.cost_usd, 0) AS untagged_share,
    t.unpriced_requests,
    t.unpriced_requests / t.requests AS unpriced_share
FROM totals AS t
LEFT JOIN untagged AS u USING (day)
ORDER BY t.day
