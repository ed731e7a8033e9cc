-- purpose: Daily requests, tokens and cost broken down by one dimension at a time (long shape).
-- grain: one row per day x dimension (model, latency_mode, region, profile_scope, caller) x value
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW cost_by_dimension AS
WITH long AS (
    UNPIVOT (
        SELECT
            day,
            cost_usd,
            priced,
            input_tokens,
            output_tokens,
            coalesce(model, '(unknown: ' || model_id || ')') AS model,
            latency_mode,
            coalesce(region, '(unknown)') AS region,
            coalesce(profile_scope, '(direct)') AS profile_scope,
            coalesce(caller, '(unknown)') AS caller
        FROM invocations
    )
    ON model, latency_mode, region, profile_scope, caller
    INTO NAME dimension VALUE value
)
SELECT
    day,
    CAST(dimension AS VARCHAR) AS dimension,
    CAST(value AS VARCHAR) AS value,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_requests,
    CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
    -- Priced requests only (NULL when none is priced, never $0 for "unknown");
    -- unpriced_requests and priced_share say how much is missing.
    CAST(sum(cost_usd) AS DOUBLE) AS cost_usd,
    CAST(count(*) FILTER (WHERE priced) / count(*) AS DOUBLE) AS priced_share
FROM long
GROUP BY day, dimension, value;
