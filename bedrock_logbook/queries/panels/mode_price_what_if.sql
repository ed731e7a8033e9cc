-- Per model: what its actual traffic in the selection would cost at the standard and at the
-- latency-optimized list rates of the price table (rates exist even for a mode the traffic
-- never ran in), beside what was billed, and the p50 latency gain where both modes were
-- measured. List rates: the price table's base prompt tier, no service-tier multiplier, the
-- same row precedence as the invocations view (a user row first, then the most specific,
-- then the latest effective); cache tokens without a rate cost 0, as there.
-- 'optimized' is only offered where the table has an explicit optimized input rate.
WITH traffic AS (
    SELECT
        model,
        coalesce(profile_scope, 'direct') AS scope_key,
        coalesce(region, '') AS region_key,
        day,
        count(*) AS requests,
        count(*) FILTER (WHERE served_latency = 'optimized') AS served_optimized,
        sum(coalesce(input_tokens, 0)) AS input_tokens,
        sum(coalesce(output_tokens, 0)) AS output_tokens,
        sum(coalesce(cache_read_tokens, 0)) AS cache_read_tokens,
        sum(coalesce(cache_write_tokens, 0)) AS cache_write_tokens,
        sum(cost_usd) AS billed_cost_usd
    FROM invocations
    WHERE /*filters*/ TRUE AND model IS NOT NULL
    GROUP BY ALL
),
keys AS (SELECT DISTINCT model, scope_key, region_key, day FROM traffic),
refs AS (
    SELECT DISTINCT model, scope_key,
        lower(CASE WHEN scope_key IN ('direct', 'application') THEN model
                   ELSE scope_key || '.' || model END) AS ref
    FROM keys
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
rates AS (
    SELECT k.model, k.scope_key, k.region_key, k.day, m.mode, p.token_class,
        p.usd_per_million, p.latency_mode
    FROM keys AS k
    CROSS JOIN (SELECT unnest(['standard', 'optimized']) AS mode) AS m
    LEFT JOIN price_models AS pm ON pm.model = k.model AND pm.scope_key = k.scope_key
    JOIN prices AS p
        ON (p.model = k.model OR p.model = pm.price_model)
        AND p.latency_mode IN (m.mode, '*')
        AND p.profile_scope IN (k.scope_key, '*')
        AND p.region IN (k.region_key, '*')
        AND p.effective_from <= k.day
        AND p.min_prompt_tokens = 0
    QUALIFY row_number() OVER (
        PARTITION BY k.model, k.scope_key, k.region_key, k.day, m.mode, p.token_class
        ORDER BY p.packaged, p.specificity DESC, p.effective_from DESC
    ) = 1
),
rate_rows AS (
    SELECT model, scope_key, region_key, day, mode,
        max(usd_per_million) FILTER (WHERE token_class = 'input') AS input_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'output') AS output_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_read') AS cache_read_rate,
        max(usd_per_million) FILTER (WHERE token_class = 'cache_write') AS cache_write_rate,
        bool_or(token_class = 'input' AND latency_mode = mode) AS explicit
    FROM rates
    GROUP BY ALL
),
priced AS (
    SELECT
        t.*,
        (t.input_tokens * s.input_rate + t.output_tokens * s.output_rate
            + t.cache_read_tokens * coalesce(s.cache_read_rate, 0)
            + t.cache_write_tokens * coalesce(s.cache_write_rate, 0)) / 1e6 AS standard_usd,
        CASE WHEN o.explicit THEN (t.input_tokens * o.input_rate + t.output_tokens * o.output_rate
            + t.cache_read_tokens * coalesce(o.cache_read_rate, 0)
            + t.cache_write_tokens * coalesce(o.cache_write_rate, 0)) / 1e6 END AS optimized_usd
    FROM traffic AS t
    LEFT JOIN rate_rows AS s
        ON s.model = t.model AND s.scope_key = t.scope_key AND s.region_key = t.region_key
        AND s.day = t.day AND s.mode = 'standard'
    LEFT JOIN rate_rows AS o
        ON o.model = t.model AND o.scope_key = t.scope_key AND o.region_key = t.region_key
        AND o.day = t.day AND o.mode = 'optimized'
),
latency AS (
    SELECT
        model,
        count(latency_ms) FILTER (WHERE served_latency = 'standard') AS standard_requests_with_latency,
        count(latency_ms) FILTER (WHERE served_latency = 'optimized') AS optimized_requests_with_latency,
        guarded_quantile(CASE WHEN served_latency = 'standard' THEN latency_ms END, 0.5)
            AS standard_p50_latency_ms,
        guarded_quantile(CASE WHEN served_latency = 'optimized' THEN latency_ms END, 0.5)
            AS optimized_p50_latency_ms
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND model IS NOT NULL AND error_code IS NULL
    GROUP BY model
)
SELECT
    p.model,
    sum(p.requests) AS requests,
    sum(p.served_optimized) AS served_optimized,
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
