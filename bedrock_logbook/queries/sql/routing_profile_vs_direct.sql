-- purpose: Per model and source Region: latency through a cross-region profile vs direct calls.
-- grain: one row per model x region
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW routing_profile_vs_direct AS
WITH split AS (
    SELECT
        model,
        region,
        count(*) FILTER (WHERE profile_scope IS NOT NULL) AS profile_requests,
        count(*) FILTER (WHERE profile_scope IS NULL) AS direct_requests,
        count(*) FILTER (WHERE profile_scope IS NOT NULL AND cross_region) AS profile_rerouted,
        avg(latency_ms) FILTER (WHERE profile_scope IS NOT NULL) AS profile_mean,
        avg(latency_ms) FILTER (WHERE profile_scope IS NULL) AS direct_mean,
        quantile_cont(latency_ms, 0.5) FILTER (WHERE profile_scope IS NOT NULL) AS profile_p50,
        quantile_cont(latency_ms, 0.5) FILTER (WHERE profile_scope IS NULL) AS direct_p50
    FROM raw_invocations
    WHERE model IS NOT NULL AND error_code IS NULL
    GROUP BY model, region
)
SELECT
    model,
    region,
    CAST(profile_requests AS BIGINT) AS profile_requests,
    CAST(direct_requests AS BIGINT) AS direct_requests,
    CAST(profile_rerouted / nullif(profile_requests, 0) AS DOUBLE) AS profile_rerouted_share,
    CAST(profile_mean AS DOUBLE) AS profile_mean_latency_ms,
    CAST(direct_mean AS DOUBLE) AS direct_mean_latency_ms,
    CAST(profile_p50 AS DOUBLE) AS profile_p50_latency_ms,
    CAST(direct_p50 AS DOUBLE) AS direct_p50_latency_ms,
    CAST(profile_mean - direct_mean AS DOUBLE) AS mean_latency_diff_ms
FROM split;
