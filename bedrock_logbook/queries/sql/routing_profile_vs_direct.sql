-- purpose: Per model, source Region and served mode: latency through a cross-region profile vs direct calls.
-- grain: one row per model x region x served_latency (successful calls; 'unknown' when the log cannot tell the mode)
-- layer: metrics
-- depends: raw_invocations, guarded_quantile
CREATE OR REPLACE VIEW routing_profile_vs_direct AS
-- Both sides of a row are the same base model in the same served mode: a profile of one model
-- is never compared with direct calls of another, nor optimized calls with standard ones.
WITH calls AS (
    SELECT
        model,
        region,
        coalesce(served_latency, 'unknown') AS served_latency,
        profile_scope IS NOT NULL AS via_profile,
        cross_region,
        latency_ms
    FROM raw_invocations
    WHERE model IS NOT NULL AND error_code IS NULL
),
split AS (
    SELECT
        model,
        region,
        served_latency,
        count(*) FILTER (WHERE via_profile) AS profile_requests,
        count(*) FILTER (WHERE NOT via_profile) AS direct_requests,
        count(*) FILTER (WHERE via_profile AND cross_region) AS profile_rerouted,
        count(latency_ms) FILTER (WHERE via_profile) AS profile_with_latency,
        count(latency_ms) FILTER (WHERE NOT via_profile) AS direct_with_latency,
        avg(latency_ms) FILTER (WHERE via_profile) AS profile_mean,
        avg(latency_ms) FILTER (WHERE NOT via_profile) AS direct_mean,
        guarded_quantile(CASE WHEN via_profile THEN latency_ms END, 0.5) AS profile_p50,
        guarded_quantile(CASE WHEN NOT via_profile THEN latency_ms END, 0.5) AS direct_p50
    FROM calls
    GROUP BY model, region, served_latency
)
SELECT
    model,
    region,
    served_latency,
    CAST(profile_requests AS BIGINT) AS profile_requests,
    CAST(direct_requests AS BIGINT) AS direct_requests,
    CAST(profile_rerouted / nullif(profile_requests, 0) AS DOUBLE) AS profile_rerouted_share,
    CAST(profile_with_latency AS BIGINT) AS profile_requests_with_latency,
    CAST(direct_with_latency AS BIGINT) AS direct_requests_with_latency,
    CAST(profile_mean AS DOUBLE) AS profile_mean_latency_ms,
    CAST(direct_mean AS DOUBLE) AS direct_mean_latency_ms,
    CAST(profile_p50 AS DOUBLE) AS profile_p50_latency_ms,
    CAST(direct_p50 AS DOUBLE) AS direct_p50_latency_ms,
    CAST(profile_mean - direct_mean AS DOUBLE) AS mean_latency_diff_ms
FROM split;
