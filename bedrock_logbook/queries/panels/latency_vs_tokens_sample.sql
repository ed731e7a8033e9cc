-- A bounded sample (2,000) of (output tokens, latency) points for the scatter; never the
-- whole selection. Ordering by a hash of request_id picks a pseudo-random but repeatable
-- sample (the same selection always draws the same dots), at the cost of a top-N pass.
SELECT output_tokens, latency_ms, coalesce(served_latency, 'unknown') AS served_mode,
       coalesce(model, model_id) AS model
FROM raw_invocations
WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL AND output_tokens IS NOT NULL
ORDER BY hash(request_id)
LIMIT 2000
