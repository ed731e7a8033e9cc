-- purpose: Rollup rows priced at query time: the billed mode, the rates of rate_tiers, the unpriced reason and cost_usd, by the invocations view's rules.
-- grain: one row per row of the rollup view named by the argument (rollup_daily_live, rollup_hourly or rollup_daily_models_live)
-- layer: staging
-- kind: macro
-- depends: rate_tiers, service_tier_list
-- Every raw row of a rollup row has the same pricing keys (docs/rollups.md "Cost is computed
-- at query time"), hence the same rates, multiplier and verdict: cost = multiplier x sum over
-- token classes of (token sum x rate) / 1e6, and a row is wholly priced or wholly unpriced.
-- The unpriced reasons are the invocations view's, written on the rollup's flags
-- (tokens_missing, cache_*_used); the tier is joined on prompt_band, a bound of every
-- price threshold. rollup_cost('rollup_daily_live'), rollup_cost('rollup_hourly') or
-- rollup_cost('rollup_daily_models_live'): the argument is a constant naming the one view
-- read, and the keys rate_tiers resolves are that view's.
CREATE OR REPLACE MACRO rollup_cost(rollup_from) AS TABLE
WITH
base AS (
    SELECT
        r.*,
        CAST(coalesce(r.served_latency, r.requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        CAST(CASE WHEN r.served_latency IS NOT NULL THEN 'served' ELSE 'requested' END AS VARCHAR)
            AS latency_mode_basis,
        CAST(coalesce(r.requested_latency, 'standard') AS VARCHAR) AS requested_mode,
        CAST(coalesce(r.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(r.region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(r.service_tier, 'default') AS VARCHAR) AS tier_key
    -- query_table: only the named view is bound (a constant-false branch per other view
    -- would still bind its file lists on every query).
    FROM query_table(rollup_from) AS r
),
-- The keys of the rows read above (query_table resolves this query's CTE): the view is not
-- bound a second time.
rates AS (
    SELECT * FROM rate_tiers('base')
),
priced AS (
    SELECT
        b.*,
        billed.input_rate, billed.output_rate, billed.cache_read_rate, billed.cache_write_rate,
        billed.cache_write_1h_rate, billed.input_rate_source AS rate_source,
        CAST(CASE b.tier_key
            WHEN 'default' THEN 1
            WHEN 'reserved' THEN NULL
            ELSE st.multiplier
        END AS DOUBLE) AS service_tier_multiplier,
        asked.input_rate AS requested_input_rate,
        asked.output_rate AS requested_output_rate,
        asked.cache_read_rate AS requested_cache_read_rate,
        asked.cache_write_rate AS requested_cache_write_rate,
        asked.cache_write_1h_rate AS requested_cache_write_1h_rate,
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
        END AS unpriced_reason,
        CASE
            WHEN asked.input_rate IS NULL OR asked.output_rate IS NULL THEN false
            WHEN b.cache_read_used AND asked.cache_read_rate IS NULL THEN false
            WHEN b.cache_write_5m_used AND asked.cache_write_rate IS NULL THEN false
            WHEN b.cache_write_1h_used AND asked.cache_write_1h_rate IS NULL THEN false
            ELSE true
        END AS requested_priced
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
    LEFT JOIN rates AS asked
        ON asked.model = b.model AND asked.scope_key = b.scope_key
        AND asked.region_key = b.region_key
        AND b.day >= asked.valid_from AND (asked.valid_to IS NULL OR b.day < asked.valid_to)
        AND asked.mode = b.requested_mode
        AND b.prompt_band >= asked.tier_min_prompt_tokens
        AND (asked.tier_next_prompt_tokens IS NULL
            OR b.prompt_band < asked.tier_next_prompt_tokens)
)
SELECT
    * EXCLUDE (
        scope_key, region_key, tier_key, requested_mode, requested_priced,
        requested_input_rate, requested_output_rate, requested_cache_read_rate,
        requested_cache_write_rate, requested_cache_write_1h_rate
    ),
    CAST(unpriced_reason IS NULL AS BOOLEAN) AS priced,
    CAST(CASE WHEN unpriced_reason IS NULL THEN service_tier_multiplier * (
        coalesce(input_tokens, 0) * input_rate
        + coalesce(output_tokens, 0) * output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(cache_read_rate, 0)
        + billed_cache_write_5m_tokens * coalesce(cache_write_rate, 0)
        + billed_cache_write_1h_tokens * coalesce(cache_write_1h_rate, 0)
    ) / 1e6 END AS DOUBLE) AS cost_usd,
    -- What the rows would have cost at the mode the caller asked for (same tier).
    CAST(CASE WHEN unpriced_reason IS NULL AND requested_priced THEN service_tier_multiplier * (
        coalesce(input_tokens, 0) * requested_input_rate
        + coalesce(output_tokens, 0) * requested_output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(requested_cache_read_rate, 0)
        + billed_cache_write_5m_tokens * coalesce(requested_cache_write_rate, 0)
        + billed_cache_write_1h_tokens * coalesce(requested_cache_write_1h_rate, 0)
    ) / 1e6 END AS DOUBLE) AS requested_cost_usd,
    CAST(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
        + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS DECIMAL(38, 0))
        AS total_tokens
FROM priced;
