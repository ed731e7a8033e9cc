-- purpose: Prompt-cache hit ratio per model and what caching saved against the no-cache price.
-- grain: one row per model (priced requests only)
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW cache_savings AS
WITH per_request AS (
    SELECT
        model,
        coalesce(input_tokens, 0) AS input_tokens,
        coalesce(cache_read_tokens, 0) AS cache_read_tokens,
        coalesce(cache_write_tokens, 0) AS cache_write_tokens,
        cost_usd,
        -- Without a cache every prompt token (read, written or not) is billed as input,
        -- at the request's service tier.
        service_tier_multiplier * (
            (coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)
                + coalesce(cache_write_tokens, 0)) * input_rate
            + coalesce(output_tokens, 0) * output_rate
        ) / 1e6 AS no_cache_cost_usd
    FROM invocations
    WHERE priced
)
SELECT
    model,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(*) FILTER (WHERE cache_read_tokens > 0) AS BIGINT) AS requests_with_cache_read,
    CAST(sum(input_tokens) AS BIGINT) AS input_tokens,
    CAST(sum(cache_read_tokens) AS BIGINT) AS cache_read_tokens,
    CAST(sum(cache_write_tokens) AS BIGINT) AS cache_write_tokens,
    -- Share of all prompt tokens (uncached input, cache reads, cache writes) read from cache.
    CAST(
        sum(cache_read_tokens)
        / nullif(sum(input_tokens) + sum(cache_read_tokens) + sum(cache_write_tokens), 0)
        AS DOUBLE
    ) AS cache_hit_ratio,
    CAST(sum(cost_usd) AS DOUBLE) AS cost_usd,
    CAST(sum(no_cache_cost_usd) AS DOUBLE) AS no_cache_cost_usd,
    CAST(sum(no_cache_cost_usd) - sum(cost_usd) AS DOUBLE) AS savings_usd
FROM per_request
GROUP BY model;
