-- purpose: Where requests from each source Region were served: share of requests and tokens, latency.
-- grain: one row per model x profile_scope x region x inference_region
-- layer: metrics
-- depends: raw_invocations, guarded_quantile
CREATE OR REPLACE VIEW routing_pairs AS
WITH pairs AS (
    SELECT
        model,
        profile_scope,
        region,
        inference_region,
        count(*) AS requests,
        sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
            + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)) AS total_tokens,
        count(latency_ms) AS requests_with_latency,
        guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
        avg(latency_ms) AS mean_latency_ms
    FROM raw_invocations
    GROUP BY model, profile_scope, region, inference_region
)
SELECT
    model,
    profile_scope,  -- NULL: direct in-Region calls
    region,
    inference_region,
    CAST(requests AS BIGINT) AS requests,
    CAST(requests / sum(requests) OVER source_region AS DOUBLE) AS request_share,
    CAST(total_tokens AS BIGINT) AS total_tokens,
    CAST(total_tokens / nullif(sum(total_tokens) OVER source_region, 0) AS DOUBLE) AS token_share,
    CAST(requests_with_latency AS BIGINT) AS requests_with_latency,
    CAST(p50_latency_ms AS DOUBLE) AS p50_latency_ms,  -- NULL below 20 requests with latency
    CAST(mean_latency_ms AS DOUBLE) AS mean_latency_ms
FROM pairs
WINDOW source_region AS (PARTITION BY model, profile_scope, region);
