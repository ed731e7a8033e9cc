-- Output tokens per second (whole request) by served mode and model.
SELECT
    coalesce(served_latency, 'unknown') AS served_mode,
    coalesce(model, model_id) AS model,
    count(*) AS requests,
    quantile_cont(output_tokens_per_s, 0.5) AS p50_tokens_per_s,
    quantile_cont(output_tokens_per_s, 0.9) AS p90_tokens_per_s
FROM raw_invocations
WHERE /*filters*/ TRUE AND output_tokens_per_s IS NOT NULL
GROUP BY ALL
ORDER BY requests DESC, model, served_mode
LIMIT 100
