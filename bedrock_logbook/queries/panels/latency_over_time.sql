-- Latency and time to first byte percentiles per period ($grain: 'day' or 'hour', UTC) x
-- model x served mode (NULL below the minimum group size: guarded_quantile).
SELECT
    date_trunc($grain, ts AT TIME ZONE 'UTC') AS period,
    coalesce(model, model_id) AS model,
    coalesce(served_latency, 'unknown') AS served_mode,
    count(latency_ms) AS requests_with_latency,
    guarded_quantile(latency_ms, 0.5) AS p50_latency_ms,
    guarded_quantile(latency_ms, 0.9) AS p90_latency_ms,
    guarded_quantile(latency_ms, 0.99) AS p99_latency_ms,
    count(first_byte_ms) AS requests_with_first_byte,
    guarded_quantile(first_byte_ms, 0.5) AS p50_first_byte_ms,
    guarded_quantile(first_byte_ms, 0.9) AS p90_first_byte_ms,
    guarded_quantile(first_byte_ms, 0.99) AS p99_first_byte_ms
FROM raw_invocations
WHERE /*filters*/ TRUE AND (latency_ms IS NOT NULL OR first_byte_ms IS NOT NULL)
GROUP BY ALL
ORDER BY period, model, served_mode
