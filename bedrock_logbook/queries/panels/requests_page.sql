-- One page of individual requests, newest first, from the raw table with its cost
-- ($limit rows from $offset; $errors_only keeps failed or guardrail-stopped calls).
SELECT
    ts,
    request_id,
    coalesce(model, model_id) AS model,
    model_id,
    coalesce(served_latency, 'unknown') AS served_mode,
    requested_latency AS requested_mode,
    operation,
    caller,
    account_id,
    region,
    inference_region,
    input_tokens,
    output_tokens,
    latency_ms,
    first_byte_ms,
    cost_usd,
    error_code,
    guardrail_action,
    source,
    source_line
FROM invocations
WHERE /*filters*/ TRUE
    AND (NOT $errors_only OR error_code IS NOT NULL OR guardrail_action = 'INTERVENED')
ORDER BY ts DESC, request_id
LIMIT $limit OFFSET $offset
