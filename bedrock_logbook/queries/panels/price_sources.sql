-- Which price each model was costed with; unpriced models first. The day in an unpriced
-- reason ("... on 2026-11-19") is dropped so each reason is one row, not one per day.
-- From the daily rollup priced at query time by rollup_cost (the invocations view's rates,
-- reasons and cost), weighted by requests, never all the raw rows. Priced per pricing key,
-- not per rollup row: the selected rows are first summed per day and pricing key (every
-- column rollup_cost reads; tokens are exact decimal sums, so the cost is the same), and
-- rates, cost and the price-source text are built once per key. The text is the invocations
-- view's: the rate's label (rate_tiers' label of the key and prompt band) and the notes every
-- request of a key shares (billed mode basis, service tier), except the cache-TTL note ("the
-- log has no TTL split"), which a request has when its key bills 5-minute writes and it logged
-- no 5-minute split: all of a key's requests when the key's logged 5-minute sum is NULL, none
-- when its billed 5-minute writes equal the logged ones. A priced key mixing both kinds is
-- split exactly by its requests without the split, read from the raw rows matching its
-- rollup rows (with no mixed key, the raw files are not read: see raw_grain) and priced at
-- the key's rates.
WITH
-- Only the columns read below (a CTE used twice is materialised: the sketches would be too).
selected AS (
    SELECT
        day, account_id, region, inference_region, operation, model_id, model, model_id_kind,
        profile_scope, caller, requested_latency, served_latency, fallback_reason,
        service_tier, error_code, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used, requests, input_tokens, output_tokens,
        cache_read_tokens, cache_write_tokens, cache_write_5m_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE
),
key_rows AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        cache_write_5m_tokens, billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM selected
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
),
costed AS (
    SELECT
        c.*,
        CAST(coalesce(c.profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(c.region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(c.service_tier, 'default') AS VARCHAR) AS tier_key,
        -- some requests of the key lack the TTL split / all of them do
        c.cache_write_5m_used AND c.billed_cache_write_5m_tokens
            > coalesce(c.cache_write_5m_tokens, 0) AS some_unsplit,
        c.cache_write_5m_used AND c.cache_write_5m_tokens IS NULL AS all_unsplit
    FROM rollup_cost('keys') AS c
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
    LEFT JOIN rate_tiers('keys') AS t
        ON t.model = c.model AND t.scope_key = c.scope_key AND t.region_key = c.region_key
        AND c.day >= t.valid_from AND (t.valid_to IS NULL OR c.day < t.valid_to)
        AND t.mode = c.latency_mode
        AND c.prompt_band >= t.tier_min_prompt_tokens
        AND (t.tier_next_prompt_tokens IS NULL OR c.prompt_band < t.tier_next_prompt_tokens)
),
mixed_keys AS (
    SELECT *, row_number() OVER () AS key_id FROM labelled WHERE mixed
),
-- The selected rollup rows of the mixed keys: the raw rows are matched to these (their full
-- grain, which already passed the filters), so the raw side needs no filter of its own.
mixed_rows AS (
    SELECT s.*, k.key_id
    FROM selected AS s
    JOIN mixed_keys AS k
        ON s.day = k.day
        AND s.model IS NOT DISTINCT FROM k.model
        AND s.model_id IS NOT DISTINCT FROM k.model_id
        AND s.model_id_kind IS NOT DISTINCT FROM k.model_id_kind
        AND s.profile_scope IS NOT DISTINCT FROM k.profile_scope
        AND s.region IS NOT DISTINCT FROM k.region
        AND s.requested_latency IS NOT DISTINCT FROM k.requested_latency
        AND s.served_latency IS NOT DISTINCT FROM k.served_latency
        AND s.service_tier IS NOT DISTINCT FROM k.service_tier
        AND s.prompt_band = k.prompt_band
        AND s.tokens_missing = k.tokens_missing
        AND s.cache_read_used = k.cache_read_used
        AND s.cache_write_5m_used = k.cache_write_5m_used
        AND s.cache_write_1h_used = k.cache_write_1h_used
),
-- Every raw request with its rollup grain (the expressions of rollup_daily_live's raw
-- branch) and whether it bills 5-minute writes without a logged TTL split. No WHERE here:
-- a filter on the raw side would be pushed into the Parquet scan and read the whole table
-- even when no key is mixed; in the join below every condition names mixed_rows, whose
-- empty hash table then ends the query before the raw files are read (measured at 100M
-- requests: 4,096 raw rows read instead of a 3.6 s CPU scan of all of them).
raw_grain AS (
    SELECT
        CAST(r.date AS DATE) AS day, r.account_id, r.region, r.inference_region,
        r.operation, r.model_id, r.caller, r.requested_latency, r.served_latency,
        r.fallback_reason, r.service_tier, r.error_code,
        CAST(list_max(list_filter([0, 100001, 128001, 200001, 272001, 500001, 1000001],
            lambda band: band <= CAST(coalesce(r.input_tokens, 0) AS HUGEINT)
                + coalesce(r.cache_read_tokens, 0) + coalesce(r.cache_write_tokens, 0)))
            AS BIGINT) AS prompt_band,
        r.error_code IS NULL AND (r.input_tokens IS NULL OR r.output_tokens IS NULL)
            AS tokens_missing,
        coalesce(r.cache_read_tokens, 0) > 0 AS cache_read_used,
        coalesce(r.cache_write_5m_tokens IS NULL AND r.cache_write_1h_tokens IS NULL
            AND coalesce(r.cache_write_tokens, 0) > 0, FALSE) AS unsplit,
        r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens
    FROM raw_invocations AS r
),
mixed_split AS (
    SELECT
        any_value(k.model) AS model, any_value(k.model_id) AS model_id,
        any_value(k.priced) AS priced, any_value(k.label) AS label,
        any_value(k.requests) AS requests, any_value(k.cost_usd) AS cost_usd,
        CAST(count(*) AS BIGINT) AS unsplit_requests,
        -- no 1-hour writes: a request without any TTL split bills all writes at 5 minutes
        any_value(k.service_tier_multiplier) * (
            coalesce(sum(u.input_tokens), 0) * any_value(k.input_rate)
            + coalesce(sum(u.output_tokens), 0) * any_value(k.output_rate)
            + coalesce(sum(u.cache_read_tokens), 0) * coalesce(any_value(k.cache_read_rate), 0)
            + coalesce(sum(u.cache_write_tokens), 0)
                * coalesce(any_value(k.cache_write_rate), 0)
        ) / 1e6 AS unsplit_cost_usd
    FROM raw_grain AS u
    JOIN mixed_rows AS m
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
        -- the rest of the grain follows: 5-minute writes billed, no 1-hour ones (mixed keys
        -- bill 5-minute writes, so this is "the request has no TTL split")
        AND u.unsplit = m.cache_write_5m_used AND NOT m.cache_write_1h_used
    JOIN mixed_keys AS k ON k.key_id = m.key_id
    GROUP BY m.key_id
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
