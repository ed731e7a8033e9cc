-- Output tokens per second of whole requests (output_tokens * 1000 / latency_ms) by served
-- mode and model, over successful calls: percentiles of the per-request figure, and the
-- throughput (ratio of sums). Neither is the decode speed (see decode_fit).
SELECT
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    count(*) AS n,
    guarded_quantile(output_tokens_per_s, 0.5) AS p50_output_tokens_per_s,
    guarded_quantile(output_tokens_per_s, 0.9) AS p90_output_tokens_per_s,
    sum(output_tokens) * 1000.0 / nullif(sum(latency_ms), 0) AS throughput_tokens_per_s
FROM raw_invocations
WHERE /*filters*/ TRUE AND output_tokens_per_s IS NOT NULL AND error_code IS NULL
GROUP BY ALL
ORDER BY n DESC, model, served_mode
LIMIT 100
