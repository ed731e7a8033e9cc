-- purpose: Daily requests, tokens and cost broken down by one dimension at a time (long shape).
-- grain: one row per day x dimension (model, latency_mode, region, profile_scope, caller) x value
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW cost_by_dimension AS
-- One row per request and dimension: a cross join with the dimension names rather than
-- UNPIVOT, whose syntax differs between DuckDB, Spark and Trino (docs/athena.md).
WITH per_request AS (
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
),
long AS (
    SELECT
        r.day,
        r.cost_usd,
        r.priced,
        r.input_tokens,
        r.output_tokens,
        d.dimension,
        CASE d.dimension
            WHEN 'model' THEN r.model
            WHEN 'latency_mode' THEN r.latency_mode
            WHEN 'region' THEN r.region
            WHEN 'profile_scope' THEN r.profile_scope
            WHEN 'caller' THEN r.caller
        END AS value
    FROM per_request AS r
    CROSS JOIN (
        VALUES ('model'), ('latency_mode'), ('region'), ('profile_scope'), ('caller')
    ) AS d (dimension)
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
-- As UNPIVOT did: a NULL value (model_id missing too) is no row.
WHERE value IS NOT NULL
GROUP BY day, dimension, value;
