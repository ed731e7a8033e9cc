-- Per model: what its actual traffic in the selection would cost at the standard and at the
-- latency-optimized list rates of the price table (rates exist even for a mode the traffic
-- never ran in), beside what was billed, and the p50 latency gain where both modes were
-- measured. Traffic, billed cost and latency sketches come from the daily rollup
-- (rollup_daily_cost); the rates are rate_tiers' (the one rate definition the invocations
-- view and the rollup cost views join) per price period, at the base prompt tier, no service-tier
-- multiplier; cache tokens without a rate cost 0, as there. 'optimized' is only offered
-- where the table lists an optimized input rate itself (not a rate for every mode).
-- The p50s are the order statistic within 1% from the sketches (docs/rollups.md).
-- Priced per key, not per rollup row: the selected rows are summed per day and pricing key
-- (every column rollup_cost reads; token sums are exact decimals) before rollup_cost prices
-- them and the rates are joined, and only the columns read are kept (the selection is
-- materialised: the other two sketches are not carried).
WITH selected AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, error_code, prompt_band, tokens_missing,
        cache_read_used, cache_write_5m_used, cache_write_1h_used, requests, input_tokens,
        output_tokens, cache_read_tokens, cache_write_tokens, billed_cache_write_5m_tokens,
        billed_cache_write_1h_tokens, latency_ms_count, latency_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE AND model IS NOT NULL
),
key_rows AS (
    SELECT
        day, model, model_id, model_id_kind, profile_scope, region, requested_latency,
        served_latency, service_tier, prompt_band, tokens_missing, cache_read_used,
        cache_write_5m_used, cache_write_1h_used,
        requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        billed_cache_write_5m_tokens, billed_cache_write_1h_tokens
    FROM selected
),
keys AS (
    SELECT * FROM pricing_key_sums('key_rows')
),
traffic AS (
    SELECT
        model,
        coalesce(profile_scope, 'direct') AS scope_key,
        coalesce(region, '') AS region_key,
        day,
        sum(requests) AS requests,
        coalesce(sum(requests) FILTER (WHERE served_latency = 'optimized'), 0)
            AS served_optimized,
        sum(coalesce(input_tokens, 0)) AS input_tokens,
        sum(coalesce(output_tokens, 0)) AS output_tokens,
        sum(coalesce(cache_read_tokens, 0)) AS cache_read_tokens,
        sum(billed_cache_write_5m_tokens) AS cache_write_5m_tokens,
        sum(billed_cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(cost_usd) AS billed_cost_usd
    FROM rollup_cost('keys')
    GROUP BY ALL
),
rates AS (
    SELECT model, scope_key, region_key, valid_from, valid_to, mode, input_rate, output_rate,
        cache_read_rate, cache_write_rate, cache_write_1h_rate, input_rate_mode_explicit
    -- the keys of the selected rows (query_table resolves the CTE): no second read of the
    -- rollup, and a key's rates do not depend on the other keys
    FROM rate_tiers('keys')
    WHERE tier_min_prompt_tokens = 0
),
priced AS (
    SELECT
        t.*,
        CAST((t.input_tokens * s.input_rate + t.output_tokens * s.output_rate
            + t.cache_read_tokens * coalesce(s.cache_read_rate, 0)
            + t.cache_write_5m_tokens * coalesce(s.cache_write_rate, 0)
            + t.cache_write_1h_tokens * coalesce(s.cache_write_1h_rate, 0)) / 1e6 AS DOUBLE)
            AS standard_usd,
        CAST(CASE WHEN o.input_rate_mode_explicit THEN (
            t.input_tokens * o.input_rate + t.output_tokens * o.output_rate
            + t.cache_read_tokens * coalesce(o.cache_read_rate, 0)
            + t.cache_write_5m_tokens * coalesce(o.cache_write_rate, 0)
            + t.cache_write_1h_tokens * coalesce(o.cache_write_1h_rate, 0)) / 1e6 END AS DOUBLE)
            AS optimized_usd
    FROM traffic AS t
    LEFT JOIN rates AS s
        ON s.model = t.model AND s.scope_key = t.scope_key AND s.region_key = t.region_key
        AND t.day >= s.valid_from AND (s.valid_to IS NULL OR t.day < s.valid_to)
        AND s.mode = 'standard'
    LEFT JOIN rates AS o
        ON o.model = t.model AND o.scope_key = t.scope_key AND o.region_key = t.region_key
        AND t.day >= o.valid_from AND (o.valid_to IS NULL OR t.day < o.valid_to)
        AND o.mode = 'optimized'
),
successful AS (
    SELECT model, served_latency, latency_ms_count, latency_ms_sketch
    FROM selected
    WHERE error_code IS NULL AND served_latency IN ('standard', 'optimized')
),
latency_counts AS (
    SELECT
        model,
        CAST(coalesce(sum(latency_ms_count) FILTER (WHERE served_latency = 'standard'), 0)
            AS BIGINT) AS standard_requests_with_latency,
        CAST(coalesce(sum(latency_ms_count) FILTER (WHERE served_latency = 'optimized'), 0)
            AS BIGINT) AS optimized_requests_with_latency
    FROM successful
    GROUP BY model
),
-- Both modes' sketches of a model in one row (a list per mode): merged once and joined
-- once, not one pass per mode.
merged AS (
    SELECT
        model,
        list({'bucket': bucket, 'n': n}) FILTER (WHERE served_latency = 'standard')
            AS standard_sketch,
        list({'bucket': bucket, 'n': n}) FILTER (WHERE served_latency = 'optimized')
            AS optimized_sketch
    FROM (
        -- unnest in the select list: no lateral join back to the rows
        SELECT model, served_latency, e.bucket AS bucket, sum(e.n) AS n
        FROM (SELECT model, served_latency, unnest(latency_ms_sketch) AS e FROM successful)
        GROUP BY ALL
    )
    GROUP BY model
),
latency AS (
    SELECT
        c.model,
        c.standard_requests_with_latency,
        c.optimized_requests_with_latency,
        CASE WHEN c.standard_requests_with_latency >= quantile_min_count(0.5)
            THEN sketch_quantile(m.standard_sketch, 0.5) END AS standard_p50_latency_ms,
        CASE WHEN c.optimized_requests_with_latency >= quantile_min_count(0.5)
            THEN sketch_quantile(m.optimized_sketch, 0.5) END AS optimized_p50_latency_ms
    FROM latency_counts AS c
    LEFT JOIN merged AS m ON m.model = c.model
)
SELECT
    p.model,
    CAST(sum(p.requests) AS BIGINT) AS requests,
    CAST(sum(p.served_optimized) AS BIGINT) AS served_optimized,
    sum(p.billed_cost_usd) AS cost_usd,  -- billed (priced requests only)
    -- NULL unless every part of the traffic has the mode's rates
    CASE WHEN count(p.standard_usd) = count(*) THEN sum(p.standard_usd) END
        AS all_standard_usd,
    CASE WHEN count(p.optimized_usd) = count(*) THEN sum(p.optimized_usd) END
        AS all_optimized_usd,
    CASE WHEN count(p.optimized_usd) = count(*) AND count(p.standard_usd) = count(*)
        THEN sum(p.optimized_usd) / nullif(sum(p.standard_usd), 0) - 1 END AS optimized_premium,
    any_value(l.standard_requests_with_latency) AS standard_requests_with_latency,
    any_value(l.optimized_requests_with_latency) AS optimized_requests_with_latency,
    any_value(l.standard_p50_latency_ms) AS standard_p50_latency_ms,
    any_value(l.optimized_p50_latency_ms) AS optimized_p50_latency_ms,
    -- as in the mode_comparison view
    100 * (1 - any_value(l.optimized_p50_latency_ms) / any_value(l.standard_p50_latency_ms))
        AS p50_latency_improvement_pct
FROM priced AS p
LEFT JOIN latency AS l USING (model)
GROUP BY p.model
ORDER BY cost_usd DESC NULLS LAST, p.model
LIMIT 100
