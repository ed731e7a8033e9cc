-- Latency distribution per served mode, binned in SQL: 40 equal bins up to the 99th
-- percentile; slower requests are counted in the last bin.
WITH selected AS (
    SELECT coalesce(served_latency, 'unknown') AS served_mode, latency_ms
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND latency_ms IS NOT NULL
),
width AS (
    SELECT greatest(1, ceil(quantile_cont(latency_ms, 0.99) / 40))::BIGINT AS bin_ms FROM selected
)
SELECT
    served_mode,
    least(latency_ms // bin_ms, 39) * bin_ms AS bin_start_ms,
    least(latency_ms // bin_ms, 39) * bin_ms + bin_ms AS bin_end_ms,
    count(*) AS requests
FROM selected, width
GROUP BY ALL
ORDER BY served_mode, bin_start_ms
