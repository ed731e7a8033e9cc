-- purpose: Requests that could not be priced, grouped by why, so the price list can be extended.
-- grain: one row per model_id x latency_mode x price_source (reason)
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW unpriced_by_model AS
SELECT
    model_id,
    model,
    latency_mode,
    price_source AS reason,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
    min(ts) AS first_ts,
    max(ts) AS last_ts
FROM invocations
WHERE NOT priced
GROUP BY model_id, model, latency_mode, price_source;
