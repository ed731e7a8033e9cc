-- purpose: Tag rollup rows priced at query time: the billed mode, the rates of rate_tiers, the unpriced reason and cost_usd, by the invocations view's rules (as rollup_cost prices the main rollup).
-- grain: one row per rollup_tags_daily_live row
-- layer: staging
-- depends: rollup_tags_daily_live, rate_tiers, service_tier_list
-- Every raw row of a tag rollup row has the same pricing keys (ingest/tag_rollup.py keeps the
-- main rollup's: model, scope, region, day, modes, service tier, prompt band, tokens_missing,
-- cache flags), hence the same rates, multiplier and verdict: cost = multiplier x sum over
-- token classes of (token sum x rate) / 1e6, and a row is wholly priced or wholly unpriced.
-- The rates are rate_tiers over this view's own rows (rate_tiers('base'), as rollup_cost
-- does): one rate row per key and price period, joined by day range, and no other table is
-- bound. The rules below are rollup_cost's billed branch; a change there is a change here.
CREATE OR REPLACE VIEW rollup_tags_cost AS
WITH
base AS (
    SELECT
        r.*,
        CAST(coalesce(r.served_latency, r.requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        CAST(coalesce(r.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(r.region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(r.service_tier, 'default') AS VARCHAR) AS tier_key
    FROM rollup_tags_daily_live AS r
),
rates AS (
    SELECT * FROM rate_tiers('base')
),
priced AS (
    SELECT
        b.*,
        billed.input_rate, billed.output_rate, billed.cache_read_rate, billed.cache_write_rate,
        billed.cache_write_1h_rate,
        CAST(CASE b.tier_key
            WHEN 'default' THEN 1
            WHEN 'reserved' THEN NULL
            ELSE st.multiplier
        END AS DOUBLE) AS service_tier_multiplier,
        CASE
            WHEN b.model IS NULL THEN 'model unknown (' || coalesce(b.model_id_kind, '?') || ')'
            WHEN b.tier_key = 'reserved'
                THEN 'reserved service tier: billed by committed tokens per minute, '
                    || 'not per request'
            WHEN b.tokens_missing THEN 'succeeded without token counts in the log'
            WHEN billed.input_rate IS NULL OR billed.output_rate IS NULL
                THEN 'no ' || b.latency_mode || ' price for ' || b.model || ' on '
                    || CAST(b.day AS VARCHAR)
            WHEN b.tier_key <> 'default' AND st.multiplier IS NULL
                THEN 'no ' || b.tier_key || ' service-tier rate for ' || b.model
            WHEN b.cache_read_used AND billed.cache_read_rate IS NULL
                THEN 'no cache_read price for ' || b.model
            WHEN b.cache_write_5m_used AND billed.cache_write_rate IS NULL
                THEN 'no cache_write price for ' || b.model
            WHEN b.cache_write_1h_used AND billed.cache_write_1h_rate IS NULL
                THEN 'no cache_write_1h price for ' || b.model
        END AS unpriced_reason
    FROM base AS b
    LEFT JOIN service_tier_list AS st
        ON st.model = b.model AND st.service_tier = b.tier_key
    LEFT JOIN rates AS billed
        ON billed.model = b.model AND billed.scope_key = b.scope_key
        AND billed.region_key = b.region_key
        AND b.day >= billed.valid_from AND (billed.valid_to IS NULL OR b.day < billed.valid_to)
        AND billed.mode = b.latency_mode
        AND b.prompt_band >= billed.tier_min_prompt_tokens
        AND (billed.tier_next_prompt_tokens IS NULL
            OR b.prompt_band < billed.tier_next_prompt_tokens)
)
SELECT
    * EXCLUDE (scope_key, region_key, tier_key),
    CAST(unpriced_reason IS NULL AS BOOLEAN) AS priced,
    CAST(CASE WHEN unpriced_reason IS NULL THEN service_tier_multiplier * (
        coalesce(input_tokens, 0) * input_rate
        + coalesce(output_tokens, 0) * output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(cache_read_rate, 0)
        + billed_cache_write_5m_tokens * coalesce(cache_write_rate, 0)
        + billed_cache_write_1h_tokens * coalesce(cache_write_1h_rate, 0)
    ) / 1e6 END AS DOUBLE) AS cost_usd
FROM priced;
