-- purpose: Lake invocations with the billed latency mode and service tier, per-token rates, cost_usd and its source.
-- grain: one row per invocation (request_id)
-- layer: staging
-- depends: raw_invocations, rate_tiers, service_tier_list
CREATE OR REPLACE VIEW invocations AS
WITH
-- Not materialised: it is read three times, and each read needs only a few of its columns.
base AS NOT MATERIALIZED (
    SELECT
        r.*,
        CAST(r.date AS DATE) AS day,
        -- Billing follows the served mode (AWS: fallbacks are "charged at Standard latency
        -- rates"); when the log cannot tell what was served, the requested mode stands in.
        CAST(coalesce(r.served_latency, r.requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        CAST(CASE WHEN r.served_latency IS NOT NULL THEN 'served' ELSE 'requested' END AS VARCHAR)
            AS latency_mode_basis,
        CAST(coalesce(r.requested_latency, 'standard') AS VARCHAR) AS requested_mode,
        CAST(coalesce(r.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(r.region, '') AS VARCHAR) AS region_key,
        -- No serviceTier in the log means the default (standard) tier.
        CAST(coalesce(r.service_tier, 'default') AS VARCHAR) AS tier_key,
        -- What tiered rates are judged on: every prompt token, cached or not.
        CAST(coalesce(r.input_tokens, 0) + coalesce(r.cache_read_tokens, 0)
            + coalesce(r.cache_write_tokens, 0) AS BIGINT) AS prompt_tokens,
        -- Cache writes by TTL; with no split in the log all of them are 5-minute writes.
        CAST(CASE
            WHEN r.cache_write_5m_tokens IS NULL AND r.cache_write_1h_tokens IS NULL
                THEN coalesce(r.cache_write_tokens, 0)
            ELSE coalesce(r.cache_write_5m_tokens, 0)
        END AS BIGINT) AS write_5m_tokens,
        CAST(coalesce(r.cache_write_1h_tokens, 0) AS BIGINT) AS write_1h_tokens
    FROM raw_invocations AS r
),
-- The rates of every key of the lake: one definition, shared with the rollup cost views.
rates AS (
    SELECT * FROM rate_tiers('invocations')
),
priced AS (
    SELECT
        b.*,
        billed.input_rate, billed.output_rate, billed.cache_read_rate, billed.cache_write_rate,
        billed.cache_write_1h_rate,
        billed.input_rate_source, billed.output_rate_source, billed.cache_read_rate_source,
        billed.cache_write_rate_source, billed.cache_write_1h_rate_source,
        billed.rate_effective_from, billed.input_rate_source AS rate_source,
        billed.rate_label,
        -- Priority and flex are billed as a multiple of the default tier's rate.
        CAST(CASE b.tier_key
            WHEN 'default' THEN 1
            WHEN 'reserved' THEN NULL
            ELSE st.multiplier
        END AS DOUBLE) AS service_tier_multiplier,
        CAST(st.source AS VARCHAR) AS service_tier_source,
        asked.input_rate AS requested_input_rate,
        asked.output_rate AS requested_output_rate,
        asked.cache_read_rate AS requested_cache_read_rate,
        asked.cache_write_rate AS requested_cache_write_rate,
        asked.cache_write_1h_rate AS requested_cache_write_1h_rate,
        -- Why a request cannot be priced; NULL when it can.
        CASE
            WHEN b.model IS NULL THEN 'model unknown (' || coalesce(b.model_id_kind, '?') || ')'
            WHEN b.tier_key = 'reserved'
                THEN 'reserved service tier: billed by committed tokens per minute, '
                    || 'not per request'
            WHEN b.error_code IS NULL AND (b.input_tokens IS NULL OR b.output_tokens IS NULL)
                THEN 'succeeded without token counts in the log'
            WHEN billed.input_rate IS NULL OR billed.output_rate IS NULL
                THEN 'no ' || b.latency_mode || ' price for ' || b.model || ' on '
                    || CAST(b.day AS VARCHAR)
            WHEN b.tier_key <> 'default' AND st.multiplier IS NULL
                THEN 'no ' || b.tier_key || ' service-tier rate for ' || b.model
            WHEN coalesce(b.cache_read_tokens, 0) > 0 AND billed.cache_read_rate IS NULL
                THEN 'no cache_read price for ' || b.model
            WHEN b.write_5m_tokens > 0 AND billed.cache_write_rate IS NULL
                THEN 'no cache_write price for ' || b.model
            WHEN b.write_1h_tokens > 0 AND billed.cache_write_1h_rate IS NULL
                THEN 'no cache_write_1h price for ' || b.model
        END AS unpriced_reason,
        CASE
            WHEN asked.input_rate IS NULL OR asked.output_rate IS NULL THEN false
            WHEN coalesce(b.cache_read_tokens, 0) > 0 AND asked.cache_read_rate IS NULL THEN false
            WHEN b.write_5m_tokens > 0 AND asked.cache_write_rate IS NULL THEN false
            WHEN b.write_1h_tokens > 0 AND asked.cache_write_1h_rate IS NULL THEN false
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
        AND b.prompt_tokens >= billed.tier_min_prompt_tokens
        AND (billed.tier_next_prompt_tokens IS NULL
            OR b.prompt_tokens < billed.tier_next_prompt_tokens)
    LEFT JOIN rates AS asked
        ON asked.model = b.model AND asked.scope_key = b.scope_key
        AND asked.region_key = b.region_key
        AND b.day >= asked.valid_from AND (asked.valid_to IS NULL OR b.day < asked.valid_to)
        AND asked.mode = b.requested_mode
        AND b.prompt_tokens >= asked.tier_min_prompt_tokens
        AND (asked.tier_next_prompt_tokens IS NULL
            OR b.prompt_tokens < asked.tier_next_prompt_tokens)
),
costed AS (
    SELECT
        *,
        CAST(CASE WHEN unpriced_reason IS NULL THEN service_tier_multiplier * (
            coalesce(input_tokens, 0) * input_rate
            + coalesce(output_tokens, 0) * output_rate
            + coalesce(cache_read_tokens, 0) * coalesce(cache_read_rate, 0)
            + write_5m_tokens * coalesce(cache_write_rate, 0)
            + write_1h_tokens * coalesce(cache_write_1h_rate, 0)
        ) / 1e6 END AS DOUBLE) AS cost_usd
    FROM priced
)
SELECT
    * EXCLUDE (
        scope_key, region_key, tier_key, write_5m_tokens, write_1h_tokens, unpriced_reason,
        requested_priced, requested_mode, requested_input_rate, requested_output_rate,
        requested_cache_read_rate, requested_cache_write_rate, requested_cache_write_1h_rate,
        rate_label
    ),
    CAST(unpriced_reason IS NULL AS BOOLEAN) AS priced,
    -- What the request would have cost at the mode the caller asked for (same tier).
    CAST(CASE WHEN unpriced_reason IS NULL AND requested_priced THEN service_tier_multiplier * (
        coalesce(input_tokens, 0) * requested_input_rate
        + coalesce(output_tokens, 0) * requested_output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(requested_cache_read_rate, 0)
        + write_5m_tokens * coalesce(requested_cache_write_rate, 0)
        + write_1h_tokens * coalesce(requested_cache_write_1h_rate, 0)
    ) / 1e6 END AS DOUBLE) AS requested_cost_usd,
    CAST(CASE
        WHEN unpriced_reason IS NOT NULL THEN 'unpriced: ' || unpriced_reason
        ELSE rate_label
            || CASE WHEN latency_mode_basis = 'requested'
                    THEN ' [served mode unknown: requested mode''s rate]' ELSE '' END
            || CASE WHEN tier_key <> 'default'
                    THEN ' [' || tier_key || ' tier x' || CAST(service_tier_multiplier AS VARCHAR)
                        || ': ' || service_tier_source || ']' ELSE '' END
            || CASE WHEN write_5m_tokens > 0 AND cache_write_5m_tokens IS NULL
                    THEN ' [cache writes at the 5-minute rate: the log has no TTL split]'
                    ELSE '' END
    END AS VARCHAR) AS price_source,
    CAST(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
        + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS BIGINT)
        AS total_tokens
FROM costed;
