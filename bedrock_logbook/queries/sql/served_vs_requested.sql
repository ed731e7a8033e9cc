-- purpose: Latency-optimized requests vs what was served: fallbacks, their reasons, rate and money.
-- grain: one row per day x model with at least one request asking for optimized
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW served_vs_requested AS
SELECT
    day,
    model,
    CAST(count(*) AS BIGINT) AS requested_optimized,
    CAST(count(*) FILTER (WHERE served_latency = 'optimized') AS BIGINT) AS served_optimized,
    CAST(count(*) FILTER (WHERE served_latency = 'standard') AS BIGINT) AS fallbacks,
    CAST(count(*) FILTER (WHERE served_latency IS NULL) AS BIGINT) AS served_unknown,
    -- Fallback counts keyed by fallback_reason ('unknown' when ingest gave none).
    CAST(
        histogram(coalesce(fallback_reason, 'unknown'))
            FILTER (WHERE served_latency = 'standard')
        AS MAP(VARCHAR, BIGINT)
    ) AS fallbacks_by_reason,
    CAST(
        count(*) FILTER (WHERE served_latency = 'standard')
        / nullif(count(*) FILTER (WHERE served_latency IS NOT NULL), 0)
        AS DOUBLE
    ) AS fallback_rate,
    CAST(sum(requested_cost_usd) AS DOUBLE) AS requested_cost_usd,
    CAST(sum(cost_usd) AS DOUBLE) AS billed_cost_usd,
    -- Positive: the caller paid less than the optimized rate because it was served standard.
    CAST(sum(requested_cost_usd - cost_usd) AS DOUBLE) AS saved_by_fallback_usd
FROM invocations
WHERE requested_latency = 'optimized'
GROUP BY day, model;
