-- purpose: Daily latency percentiles per model and served latency mode merged from the daily rollup's sketches (within 1% of the exact order statistic).
-- grain: one row per day x model x served_latency
-- layer: metrics
-- depends: rollup_daily_live, rollup_quantile
-- Over every request with a latency, as latency_by_region_mode_daily. model is the base
-- model, or the model ID as logged when no base model is known. Percentiles are the
-- order statistic of rank floor(q (N - 1)) within 1% (not quantile_cont), NULL below the
-- guarded_quantile thresholds (quantile_min_count).
CREATE OR REPLACE VIEW rollup_latency_daily AS
SELECT
    day,
    CAST(coalesce(model, model_id) AS VARCHAR) AS model,
    CAST(coalesce(served_latency, 'unknown') AS VARCHAR) AS served_latency,
    CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.5) AS p50_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.9) AS p90_latency_ms,
    rollup_quantile(latency_ms_sketch, latency_ms_count, 0.99) AS p99_latency_ms,
    CAST(sum(latency_ms_sum) / nullif(sum(latency_ms_count), 0) AS DOUBLE) AS mean_latency_ms
FROM rollup_daily_live
WHERE latency_ms_count > 0
GROUP BY ALL;
