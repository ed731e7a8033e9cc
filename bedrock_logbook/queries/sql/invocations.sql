-- purpose: Lake invocations with the billed latency mode, per-token rates, cost_usd and its source.
-- grain: one row per invocation (request_id)
-- layer: staging
-- depends: raw_invocations, prices
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
        CAST(coalesce(r.profile_scope, 'direct') AS VARCHAR) AS scope_key
    FROM raw_invocations AS r
),
-- Resolve prices once per distinct (model, mode, scope, region, day) and join back on
-- equality: a lake holds far fewer combinations than rows.
lake_combos AS (
    SELECT DISTINCT model, scope_key, region, day, latency_mode, requested_mode
    FROM base WHERE model IS NOT NULL
),
combos AS (
    SELECT model, scope_key, region, day, latency_mode AS mode FROM lake_combos
    UNION
    SELECT model, scope_key, region, day, requested_mode AS mode FROM lake_combos
),
candidates AS (
    SELECT
        c.model, c.scope_key, c.region, c.day, c.mode,
        p.token_class, p.usd_per_million, p.source, p.effective_from, p.specificity
    FROM combos AS c
    JOIN prices AS p
        ON p.model = c.model
        AND p.latency_mode IN (c.mode, '*')
        AND p.profile_scope IN (c.scope_key, '*')
        AND p.region IN (coalesce(c.region, ''), '*')
        AND p.effective_from <= c.day
    QUALIFY row_number() OVER (
        PARTITION BY c.model, c.scope_key, c.region, c.day, c.mode, p.token_class
        ORDER BY p.specificity DESC, p.effective_from DESC
    ) = 1
),
rates AS (
    SELECT
        model, scope_key, region, day, mode,
        max(usd_per_million) FILTER (WHERE token_class = 'input') AS input_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'output') AS output_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_read') AS cache_read_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_write') AS cache_write_rate,
        max(effective_from) FILTER (WHERE token_class = 'input') AS rate_effective_from,
        max(source) FILTER (WHERE token_class = 'input') AS rate_source,
        -- price_source text, built once per rate rather than once per request
        max(mode || ' rate effective ' || CAST(effective_from AS VARCHAR) || ': ' || source)
            FILTER (WHERE token_class = 'input') AS served_label,
        max(mode || ' rate (served mode unknown: requested mode''s rate) effective '
            || CAST(effective_from AS VARCHAR) || ': ' || source)
            FILTER (WHERE token_class = 'input') AS requested_label
    FROM candidates
    GROUP BY ALL
),
priced AS (
    SELECT
        b.*,
        billed.input_rate, billed.output_rate, billed.cache_read_rate, billed.cache_write_rate,
        billed.rate_effective_from, billed.rate_source,
        billed.served_label, billed.requested_label,
        asked.input_rate AS requested_input_rate,
        asked.output_rate AS requested_output_rate,
        asked.cache_read_rate AS requested_cache_read_rate,
        asked.cache_write_rate AS requested_cache_write_rate,
        -- Which token class, if any, has tokens but no rate: such a request stays unpriced.
        CASE
            WHEN b.model IS NULL THEN 'model unknown (' || coalesce(b.model_id_kind, '?') || ')'
            WHEN billed.input_rate IS NULL OR billed.output_rate IS NULL
                THEN 'no ' || b.latency_mode || ' price for ' || b.model || ' on '
                    || CAST(b.day AS VARCHAR)
            WHEN coalesce(b.cache_read_tokens, 0) > 0 AND billed.cache_read_rate IS NULL
                THEN 'no cache_read price for ' || b.model
            WHEN coalesce(b.cache_write_tokens, 0) > 0 AND billed.cache_write_rate IS NULL
                THEN 'no cache_write price for ' || b.model
        END AS unpriced_reason,
        CASE
            WHEN asked.input_rate IS NULL OR asked.output_rate IS NULL THEN false
            WHEN coalesce(b.cache_read_tokens, 0) > 0 AND asked.cache_read_rate IS NULL THEN false
            WHEN coalesce(b.cache_write_tokens, 0) > 0 AND asked.cache_write_rate IS NULL
                THEN false
            ELSE true
        END AS requested_priced
    FROM base AS b
    LEFT JOIN rates AS billed
        ON billed.model = b.model AND billed.scope_key = b.scope_key
        AND billed.region IS NOT DISTINCT FROM b.region AND billed.day = b.day
        AND billed.mode = b.latency_mode
    LEFT JOIN rates AS asked
        ON asked.model = b.model AND asked.scope_key = b.scope_key
        AND asked.region IS NOT DISTINCT FROM b.region AND asked.day = b.day
        AND asked.mode = b.requested_mode
)
SELECT
    * EXCLUDE (
        scope_key, unpriced_reason, requested_priced, requested_mode,
        requested_input_rate, requested_output_rate, requested_cache_read_rate,
        requested_cache_write_rate, served_label, requested_label
    ),
    CAST(unpriced_reason IS NULL AS BOOLEAN) AS priced,
    -- Failed calls may log no token counts: a priced request with none costs nothing.
    CAST(CASE WHEN unpriced_reason IS NULL THEN (
        coalesce(input_tokens, 0) * input_rate
        + coalesce(output_tokens, 0) * output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(cache_read_rate, 0)
        + coalesce(cache_write_tokens, 0) * coalesce(cache_write_rate, 0)
    ) / 1e6 END AS DOUBLE) AS cost_usd,
    -- What the request would have cost at the mode the caller asked for.
    CAST(CASE WHEN requested_priced THEN (
        coalesce(input_tokens, 0) * requested_input_rate
        + coalesce(output_tokens, 0) * requested_output_rate
        + coalesce(cache_read_tokens, 0) * coalesce(requested_cache_read_rate, 0)
        + coalesce(cache_write_tokens, 0) * coalesce(requested_cache_write_rate, 0)
    ) / 1e6 END AS DOUBLE) AS requested_cost_usd,
    CAST(CASE
        WHEN unpriced_reason IS NOT NULL THEN 'unpriced: ' || unpriced_reason
        WHEN latency_mode_basis = 'requested' THEN requested_label
        ELSE served_label
    END AS VARCHAR) AS price_source,
    CAST(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
        + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) AS BIGINT)
        AS total_tokens
FROM priced;
