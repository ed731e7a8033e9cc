-- Which price each model was costed with; unpriced models first. The day in an unpriced
-- reason ("... on 2026-11-19") is dropped so each reason is one row, not one per day.
-- From the daily rollup priced at query time (rollup_daily_cost: the invocations view's
-- rates, reasons and cost), weighted by requests, never the raw rows: the price-source text
-- is the invocations view's, built per rollup row from the same rate (rate_tiers' label of
-- the row's key and prompt band) and the same notes, which every request of a rollup row
-- shares (billed mode basis, service tier), except the cache-TTL note: a row with 5-minute
-- cache writes carries it when some of its requests were logged without a TTL split
-- (billed 5-minute writes > logged 5-minute writes); a row mixing requests with and without
-- the split counts all its requests under the note (docs/rollups.md).
WITH
costed AS (
    SELECT
        c.*,
        CAST(coalesce(c.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(c.region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(c.service_tier, 'default') AS VARCHAR) AS tier_key
    FROM rollup_daily_cost AS c
    WHERE /*rollup_filters*/ TRUE
),
labelled AS (
    SELECT
        c.model, c.model_id, c.priced, c.requests, c.cost_usd,
        CAST(CASE
            WHEN c.unpriced_reason IS NOT NULL THEN 'unpriced: ' || c.unpriced_reason
            ELSE t.rate_label
                || CASE WHEN c.latency_mode_basis = 'requested'
                        THEN ' [served mode unknown: requested mode''s rate]' ELSE '' END
                || CASE WHEN c.tier_key <> 'default'
                        THEN ' [' || c.tier_key || ' tier x'
                            || CAST(c.service_tier_multiplier AS VARCHAR)
                            || ': ' || st.source || ']' ELSE '' END
                || CASE WHEN c.cache_write_5m_used
                            AND c.billed_cache_write_5m_tokens
                                > coalesce(c.cache_write_5m_tokens, 0)
                        THEN ' [cache writes at the 5-minute rate: the log has no TTL split]'
                        ELSE '' END
        END AS VARCHAR) AS price_source
    FROM costed AS c
    LEFT JOIN service_tier_list AS st
        ON st.model = c.model AND st.service_tier = c.tier_key
    LEFT JOIN rate_tiers('rollup_daily_live') AS t
        ON t.model = c.model AND t.scope_key = c.scope_key AND t.region_key = c.region_key
        AND t.day = c.day AND t.mode = c.latency_mode
        AND c.prompt_band >= t.tier_min_prompt_tokens
        AND (t.tier_next_prompt_tokens IS NULL OR c.prompt_band < t.tier_next_prompt_tokens)
)
SELECT
    coalesce(model, model_id) AS model,
    coalesce(priced, FALSE) AS priced,
    regexp_replace(coalesce(price_source, '(none)'), ' on \d{4}-\d{2}-\d{2}$', '') AS price_source,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd
FROM labelled
GROUP BY ALL
ORDER BY priced, requests DESC, model, price_source
LIMIT 200
