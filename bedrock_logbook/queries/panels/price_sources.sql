-- Which price each model was costed with; unpriced models first. The day in an unpriced
-- reason ("... on 2026-11-19") is dropped so each reason is one row, not one per day.
-- From the daily rollup priced at query time (rollup_daily_cost: the invocations view's
-- rates, reasons and cost), weighted by requests, never the raw rows: the price-source text
-- is the invocations view's, built per rollup row from the same rate (rate_tiers' label of
-- the row's key and prompt band) and the same notes, which every request of a rollup row
-- shares (billed mode basis, service tier), except the cache-TTL note ("the log has no TTL
-- split"): a row with 5-minute cache writes and no logged 5-minute split has it for all its
-- requests, a row whose billed 5-minute writes equal the logged split for none; a priced row
-- mixing both kinds is split exactly by its requests without the split, read from the raw
-- rows of only the days holding such rows (a ts range the Parquet reader prunes on) and
-- priced at the row's rates (every request of a rollup row has the same).
WITH
costed AS (
    SELECT
        c.*,
        CAST(coalesce(c.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(c.region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(c.service_tier, 'default') AS VARCHAR) AS tier_key,
        -- some requests of the row lack the TTL split / all of them do
        c.cache_write_5m_used AND c.billed_cache_write_5m_tokens
            > coalesce(c.cache_write_5m_tokens, 0) AS some_unsplit,
        c.cache_write_5m_used AND c.cache_write_5m_tokens IS NULL AS all_unsplit
    FROM rollup_daily_cost AS c
    WHERE /*rollup_filters*/ TRUE
),
labelled AS (
    SELECT
        c.*,
        CAST(CASE
            WHEN c.unpriced_reason IS NOT NULL THEN 'unpriced: ' || c.unpriced_reason
            ELSE t.rate_label
                || CASE WHEN c.latency_mode_basis = 'requested'
                        THEN ' [served mode unknown: requested mode''s rate]' ELSE '' END
                || CASE WHEN c.tier_key <> 'default'
                        THEN ' [' || c.tier_key || ' tier x'
                            || CAST(c.service_tier_multiplier AS VARCHAR)
                            || ': ' || st.source || ']' ELSE '' END
        END AS VARCHAR) AS label,
        c.priced AND c.some_unsplit AND NOT c.all_unsplit AS mixed
    FROM costed AS c
    LEFT JOIN service_tier_list AS st
        ON st.model = c.model AND st.service_tier = c.tier_key
    LEFT JOIN rate_tiers('rollup_daily_live') AS t
        ON t.model = c.model AND t.scope_key = c.scope_key AND t.region_key = c.region_key
        AND c.day >= t.valid_from AND (t.valid_to IS NULL OR c.day < t.valid_to)
        AND t.mode = c.latency_mode
        AND c.prompt_band >= t.tier_min_prompt_tokens
        AND (t.tier_next_prompt_tokens IS NULL OR c.prompt_band < t.tier_next_prompt_tokens)
),
mixed_rows AS (
    SELECT * FROM labelled WHERE mixed
),
mixed_span AS (
    SELECT
        timezone('UTC', CAST(min(day) AS TIMESTAMP)) AS first_ts,
        timezone('UTC', CAST(max(day) AS TIMESTAMP) + INTERVAL 1 DAY) AS end_ts
    FROM mixed_rows
),
-- The requests without the TTL split on the days of mixed rows, with their rollup grain
-- (the expressions of rollup_daily_live's raw branch).
unsplit AS (
    SELECT
        r.date AS day, r.account_id, r.region, r.inference_region, r.operation, r.model_id,
        r.caller, r.requested_latency, r.served_latency, r.fallback_reason, r.service_tier,
        r.error_code,
        CAST(list_max(list_filter([0, 100001, 128001, 200001, 272001, 500001, 1000001],
            lambda band: band <= CAST(coalesce(r.input_tokens, 0) AS HUGEINT)
                + coalesce(r.cache_read_tokens, 0) + coalesce(r.cache_write_tokens, 0)))
            AS BIGINT) AS prompt_band,
        r.error_code IS NULL AND (r.input_tokens IS NULL OR r.output_tokens IS NULL)
            AS tokens_missing,
        coalesce(r.cache_read_tokens, 0) > 0 AS cache_read_used,
        r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens
    FROM raw_invocations AS r, mixed_span AS s
    WHERE r.ts >= s.first_ts AND r.ts < s.end_ts
        AND r.cache_write_5m_tokens IS NULL AND r.cache_write_1h_tokens IS NULL
        AND coalesce(r.cache_write_tokens, 0) > 0
),
unsplit_sums AS (
    SELECT
        day, account_id, region, inference_region, operation, model_id, caller,
        requested_latency, served_latency, fallback_reason, service_tier, error_code,
        prompt_band, tokens_missing, cache_read_used,
        CAST(count(*) AS BIGINT) AS n,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens
    FROM unsplit
    GROUP BY ALL
),
mixed_split AS (
    SELECT
        m.model, m.model_id, m.priced, m.label, m.requests, m.cost_usd,
        u.n AS unsplit_requests,
        -- no 1-hour writes: a request without any TTL split bills all writes at 5 minutes
        m.service_tier_multiplier * (
            coalesce(u.input_tokens, 0) * m.input_rate
            + coalesce(u.output_tokens, 0) * m.output_rate
            + coalesce(u.cache_read_tokens, 0) * coalesce(m.cache_read_rate, 0)
            + coalesce(u.cache_write_tokens, 0) * coalesce(m.cache_write_rate, 0)
        ) / 1e6 AS unsplit_cost_usd
    FROM mixed_rows AS m
    JOIN unsplit_sums AS u
        ON u.day = m.day
        AND u.account_id IS NOT DISTINCT FROM m.account_id
        AND u.region IS NOT DISTINCT FROM m.region
        AND u.inference_region IS NOT DISTINCT FROM m.inference_region
        AND u.operation IS NOT DISTINCT FROM m.operation
        AND u.model_id IS NOT DISTINCT FROM m.model_id
        AND u.caller IS NOT DISTINCT FROM m.caller
        AND u.requested_latency IS NOT DISTINCT FROM m.requested_latency
        AND u.served_latency IS NOT DISTINCT FROM m.served_latency
        AND u.fallback_reason IS NOT DISTINCT FROM m.fallback_reason
        AND u.service_tier IS NOT DISTINCT FROM m.service_tier
        AND u.error_code IS NOT DISTINCT FROM m.error_code
        AND u.prompt_band = m.prompt_band
        AND u.tokens_missing = m.tokens_missing
        AND u.cache_read_used = m.cache_read_used
        -- the rest of the grain follows: 5-minute writes billed, no 1-hour ones
        AND m.cache_write_5m_used AND NOT m.cache_write_1h_used
),
sources AS (
    SELECT model, model_id, priced,
        label || CASE WHEN some_unsplit AND priced
            THEN ' [cache writes at the 5-minute rate: the log has no TTL split]'
            ELSE '' END AS price_source,
        requests, cost_usd
    FROM labelled
    WHERE NOT mixed
    UNION ALL
    SELECT model, model_id, priced,
        label || ' [cache writes at the 5-minute rate: the log has no TTL split]',
        unsplit_requests, unsplit_cost_usd
    FROM mixed_split
    UNION ALL
    SELECT model, model_id, priced, label, requests - unsplit_requests,
        cost_usd - unsplit_cost_usd
    FROM mixed_split
    WHERE requests > unsplit_requests
)
SELECT
    coalesce(model, model_id) AS model,
    coalesce(priced, FALSE) AS priced,
    regexp_replace(coalesce(price_source, '(none)'), ' on \d{4}-\d{2}-\d{2}$', '') AS price_source,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd
FROM sources
GROUP BY ALL
ORDER BY priced, requests DESC, model, price_source
LIMIT 200
