-- purpose: Share of requests whose log carries a latency, by model and operation.
-- grain: one row per model_id x operation
-- layer: metrics
-- depends: raw_invocations
CREATE OR REPLACE VIEW latency_coverage AS
SELECT
    model,
    model_id,
    operation,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(latency_ms) AS BIGINT) AS requests_with_latency,
    CAST(count(latency_ms) / count(*) AS DOUBLE) AS latency_share,
    CAST(count(first_byte_ms) AS BIGINT) AS requests_with_first_byte
FROM raw_invocations
GROUP BY model, model_id, operation;
