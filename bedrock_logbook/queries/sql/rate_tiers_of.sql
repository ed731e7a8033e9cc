-- purpose: Per-token rates of every (model, profile scope, region, mode, prompt-size tier) the chosen data holds, per price period (valid_from to valid_to): the one rate definition the invocations view and the rollup cost views join.
-- grain: one row per model x scope_key x region_key x mode x valid_from x tier_min_prompt_tokens (a table macro over the keys of invocations or of a rollup view: rollup_daily_live, rollup_hourly, rollup_daily_models_live)
-- layer: staging
-- kind: macro
-- depends: raw_invocations, prices, price_model_match
-- The definition of rate_tiers: DuckDB evaluates it once per connection over every key of the
-- lake (lake_rates.sql) and rate_tiers reads that; other engines inline it (queries/dialects.py).
-- rate_tiers_of('invocations') resolves the keys of the raw table; rate_tiers_of('<view>') those of
-- the named rollup view (query_table: only that view is bound, docs/rollups.md "How a query
-- joins prices"). The argument is a constant, so the branch of the other source is removed
-- before anything is read. Keys: scope_key = coalesce(profile_scope, 'direct'), region_key =
-- coalesce(region, ''), mode = the billed mode coalesce(served, requested, 'standard') and
-- the requested mode coalesce(requested, 'standard'). Rates change only where a price row
-- starts (effective_from), so they are resolved once per period of a key, not per day: a
-- row joins the period holding its day (day >= valid_from and, unless valid_to is NULL,
-- day < valid_to) and its tier by prompt tokens (or a rollup's prompt_band) >=
-- tier_min_prompt_tokens and < tier_next_prompt_tokens. A day before a key's first price
-- has no period, as it had no price.
CREATE OR REPLACE MACRO rate_tiers_of(rate_keys_from) AS TABLE
WITH
-- Resolve prices once per distinct (model, mode, scope, region) and price period, and join
-- back on equality plus the period's day range: a lake holds far fewer combinations than
-- rows, and a year of days only a few price periods.
data_keys AS (
    SELECT model, profile_scope, region, served_latency, requested_latency
    FROM raw_invocations
    WHERE rate_keys_from = 'invocations' AND model IS NOT NULL
    UNION ALL
    -- The raw table's name where the raw branch is taken: the view 'invocations' itself
    -- would call this macro again; the constant WHERE removes this branch then.
    SELECT model, profile_scope, region, served_latency, requested_latency
    FROM query_table(CASE WHEN rate_keys_from = 'invocations' THEN 'raw_invocations'
                          ELSE rate_keys_from END)
    WHERE rate_keys_from <> 'invocations' AND model IS NOT NULL
),
lake_combos AS (
    SELECT DISTINCT
        CAST(model AS VARCHAR) AS model,
        CAST(coalesce(profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(served_latency, requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        CAST(coalesce(requested_latency, 'standard') AS VARCHAR) AS requested_mode
    FROM data_keys
),
-- Over the rollups, both latency modes of every key, whichever ran: the what-if panel
-- prices traffic in the mode it did not run in (a few extra price rows per key, no extra
-- rows read). The invocations view needs only the modes it bills and asked for.
combos AS (
    SELECT model, scope_key, region_key, latency_mode AS mode FROM lake_combos
    UNION
    SELECT model, scope_key, region_key, requested_mode AS mode FROM lake_combos
    UNION
    SELECT model, scope_key, region_key, unnest(['standard', 'optimized']) AS mode
    FROM lake_combos
    WHERE rate_keys_from <> 'invocations'
),
-- genai-prices' own rule picks its price model from the reference as Bedrock took it: the
-- profile ID ('global.' + model) for profiles, the model ID for direct calls.
refs AS (
    SELECT DISTINCT
        model, scope_key,
        lower(CASE WHEN scope_key IN ('direct', 'application') THEN model
                   ELSE scope_key || '.' || model END) AS ref
    FROM combos
),
price_models AS (
    SELECT r.model, r.scope_key, m.price_model
    FROM refs AS r
    JOIN price_model_match AS m ON CASE m.op
        WHEN 'equals' THEN r.ref = m.pattern
        WHEN 'contains' THEN contains(r.ref, m.pattern)
        WHEN 'starts_with' THEN starts_with(r.ref, m.pattern)
        WHEN 'ends_with' THEN ends_with(r.ref, m.pattern)
    END
    QUALIFY row_number() OVER (PARTITION BY r.model, r.scope_key ORDER BY m.rank) = 1
),
-- The price rows' model a combination may match: its own model and genai-prices' price
-- model. Two equality branches rather than one join on (p.model = c.model OR p.model =
-- price_model): an OR join is not a hash join (measured 3.1-3.8 s over a cube of 26k rows).
-- UNION keeps one row where the price model is the model itself.
match_models AS (
    SELECT model, scope_key, region_key, mode, model AS match_model FROM combos
    UNION
    SELECT c.model, c.scope_key, c.region_key, c.mode, pm.price_model AS match_model
    FROM combos AS c
    JOIN price_models AS pm ON pm.model = c.model AND pm.scope_key = c.scope_key
),
key_prices AS (
    SELECT
        c.model, c.scope_key, c.region_key, c.mode,
        p.token_class, p.min_prompt_tokens, p.usd_per_million, p.source, p.effective_from,
        p.specificity, p.packaged, p.latency_mode AS price_latency_mode
    FROM match_models AS c
    JOIN prices AS p
        ON p.model = c.match_model
        AND p.latency_mode IN (c.mode, '*')
        AND p.profile_scope IN (c.scope_key, '*')
        AND p.region IN (c.region_key, '*')
),
-- A key's rates can change only where one of its price rows starts: each such start opens a
-- period that lasts until the next (valid_to NULL: still open).
periods AS (
    SELECT
        model, scope_key, region_key, mode, valid_from,
        lead(valid_from) OVER (
            PARTITION BY model, scope_key, region_key, mode ORDER BY valid_from
        ) AS valid_to
    FROM (
        SELECT DISTINCT model, scope_key, region_key, mode, effective_from AS valid_from
        FROM key_prices
    )
),
-- The rows in force over a period are those started by its first day, as for any of its days.
applicable AS (
    SELECT
        t.model, t.scope_key, t.region_key, t.valid_from, t.valid_to, t.mode,
        k.token_class, k.min_prompt_tokens, k.usd_per_million, k.source, k.effective_from,
        k.specificity, k.packaged, k.price_latency_mode,
        -- A user row for this token class shuts out every packaged row for it.
        bool_or(NOT k.packaged) OVER (
            PARTITION BY t.model, t.scope_key, t.region_key, t.valid_from, t.mode,
                k.token_class
        ) AS user_priced
    FROM periods AS t
    JOIN key_prices AS k
        ON k.model = t.model AND k.scope_key = t.scope_key AND k.region_key = t.region_key
        AND k.mode = t.mode AND k.effective_from <= t.valid_from
),
candidates AS (
    SELECT * FROM applicable
    WHERE NOT (packaged AND user_priced)
    QUALIFY row_number() OVER (
        PARTITION BY model, scope_key, region_key, valid_from, mode, token_class,
            min_prompt_tokens
        ORDER BY specificity DESC, effective_from DESC
    ) = 1
),
-- Prompt-size tiers of each combination; a class without a rate at a tier keeps the rate of
-- the tier below it.
tiers AS (
    SELECT DISTINCT model, scope_key, region_key, valid_from, valid_to, mode, min_prompt_tokens
    FROM candidates
),
tier_rates AS (
    SELECT
        t.model, t.scope_key, t.region_key, t.valid_from, t.valid_to, t.mode,
        t.min_prompt_tokens AS tier_min_prompt_tokens,
        c.token_class, c.usd_per_million, c.source, c.effective_from, c.price_latency_mode
    FROM tiers AS t
    JOIN candidates AS c
        ON c.model = t.model AND c.scope_key = t.scope_key AND c.region_key = t.region_key
        AND c.valid_from = t.valid_from AND c.mode = t.mode
        AND c.min_prompt_tokens <= t.min_prompt_tokens
    QUALIFY row_number() OVER (
        PARTITION BY t.model, t.scope_key, t.region_key, t.valid_from, t.mode,
            t.min_prompt_tokens, c.token_class
        ORDER BY c.min_prompt_tokens DESC
    ) = 1
),
tier_rate_rows AS (
    SELECT
        model, scope_key, region_key, valid_from, valid_to, mode, tier_min_prompt_tokens,
        max(usd_per_million) FILTER (WHERE token_class = 'input') AS input_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'output') AS output_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_read') AS cache_read_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_write') AS cache_write_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_write_1h')
            AS cache_write_1h_rate,
        max(source) FILTER (WHERE token_class = 'input') AS input_rate_source,
        max(source) FILTER (WHERE token_class = 'output') AS output_rate_source,
        max(source) FILTER (WHERE token_class = 'cache_read') AS cache_read_rate_source,
        max(source) FILTER (WHERE token_class = 'cache_write') AS cache_write_rate_source,
        max(source) FILTER (WHERE token_class = 'cache_write_1h')
            AS cache_write_1h_rate_source,
        max(effective_from) FILTER (WHERE token_class = 'input') AS rate_effective_from,
        -- The input rate is listed for this mode itself, not for every mode ('*').
        coalesce(bool_or(price_latency_mode = mode) FILTER (WHERE token_class = 'input'),
            FALSE) AS input_rate_mode_explicit,
        -- price_source text, built once per rate rather than once per request
        max(mode || ' rate'
            || CASE WHEN effective_from > DATE '1970-01-01'
                    THEN ' effective ' || CAST(effective_from AS VARCHAR) ELSE '' END
            || CASE WHEN tier_min_prompt_tokens > 0
                    THEN ' (prompts of ' || CAST(tier_min_prompt_tokens AS VARCHAR)
                        || '+ tokens)' ELSE '' END
            || ': ' || source)
            FILTER (WHERE token_class = 'input') AS rate_label
    FROM tier_rates
    GROUP BY model, scope_key, region_key, valid_from, valid_to, mode, tier_min_prompt_tokens
)
SELECT
    *,
    -- Where the next tier starts (NULL: none): requests join their tier by equality on
    -- the combination plus this range, which stays a hash join.
    lead(tier_min_prompt_tokens) OVER (
        PARTITION BY model, scope_key, region_key, valid_from, mode
        ORDER BY tier_min_prompt_tokens
    ) AS tier_next_prompt_tokens
FROM tier_rate_rows;
