-- Latency and time to first byte percentiles per period ($grain: 'day' or 'hour', UTC) x
-- model x served mode, from the rollups' sketches summed per bucket: the order statistic
-- within 1% (docs/rollups.md), NULL below the minimum group size (quantile_min_count on the
-- *_count columns, as guarded_quantile). Days read the model cube (or rollup_daily_live under
-- a caller, account or operation filter: queries/panels.py); hours read
-- rollup_hourly while it reflects the raw snapshot the views read, else the same sketches
-- built from the raw rows (an old lake, an ingest between its commits). The hourly test is
-- constant (planned with the lake), so only one branch is read.
WITH rows_read AS (
    SELECT
        timezone('UTC', CAST(day AS TIMESTAMP)) AS hour, model, model_id, served_latency,
        latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
    FROM rollup_daily_live /*models*/
    WHERE $grain = 'day' AND /*rollup_filters*/ TRUE
    UNION ALL
    SELECT
        hour, model, model_id, served_latency,
        latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
    FROM rollup_hourly
    WHERE $grain = 'hour' AND coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)
        AND /*rollup_filters*/ TRUE
    UNION ALL
    SELECT
        timezone('UTC', date_trunc('hour', ts AT TIME ZONE 'UTC')) AS hour,
        model, model_id, served_latency,
        CAST(count(latency_ms) AS BIGINT) AS latency_ms_count,
        list_transform(map_entries(histogram(sketch_bucket(latency_ms))),
            lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
            AS latency_ms_sketch,
        CAST(count(first_byte_ms) AS BIGINT) AS first_byte_ms_count,
        list_transform(map_entries(histogram(sketch_bucket(first_byte_ms))),
            lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
            AS first_byte_ms_sketch
    -- No raw file is bound while the hourly rollup is current (raw_invocations_of).
    FROM raw_invocations_of(raw_files_unless(
        coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)))
    WHERE $grain = 'hour'
        AND NOT coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)
        AND /*filters*/ TRUE
    GROUP BY ALL
),
selected AS MATERIALIZED (
    SELECT
        CAST(hour AT TIME ZONE 'UTC' AS TIMESTAMP) AS period,
        coalesce(model, model_id) AS model,
        coalesce(served_latency, 'unknown') AS served_mode,
        latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
    FROM rows_read
    WHERE latency_ms_count > 0 OR first_byte_ms_count > 0
),
-- Both sketches' buckets in one pass, summed per period x model x mode x measure x bucket.
buckets AS (
    SELECT period, model, served_mode, measure, bucket, sum(n) AS n
    FROM (
        SELECT period, model, served_mode, 'latency' AS measure, e.bucket AS bucket, e.n AS n
        FROM selected, unnest(selected.latency_ms_sketch) AS t(e)
        WHERE latency_ms_count > 0
        UNION ALL
        SELECT period, model, served_mode, 'first_byte' AS measure, e.bucket AS bucket, e.n AS n
        FROM selected, unnest(selected.first_byte_ms_sketch) AS t(e)
        WHERE first_byte_ms_count > 0
    )
    GROUP BY ALL
),
-- sketch_quantile's rule set-wise: the value of the first bucket whose running count
-- exceeds q (N - 1), N the group's values.
running AS (
    SELECT
        period, model, served_mode, measure, bucket,
        sum(n) OVER (PARTITION BY period, model, served_mode, measure ORDER BY bucket) AS cum,
        sum(n) OVER (PARTITION BY period, model, served_mode, measure) AS total
    FROM buckets
),
quantiles AS (
    SELECT
        period, model, served_mode, measure,
        CAST(any_value(total) AS BIGINT) AS total,
        sketch_value(min(bucket) FILTER (WHERE cum > 0.5 * (total - 1))) AS p50,
        sketch_value(min(bucket) FILTER (WHERE cum > 0.9 * (total - 1))) AS p90,
        sketch_value(min(bucket) FILTER (WHERE cum > 0.99 * (total - 1))) AS p99
    FROM running
    GROUP BY ALL
),
totals AS (
    SELECT
        period, model, served_mode,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS requests_with_first_byte
    FROM selected
    GROUP BY ALL
)
SELECT
    t.period,
    t.model,
    t.served_mode,
    t.requests_with_latency,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.5) THEN l.p50 END
        AS p50_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.9) THEN l.p90 END
        AS p90_latency_ms,
    CASE WHEN t.requests_with_latency >= quantile_min_count(0.99) THEN l.p99 END
        AS p99_latency_ms,
    t.requests_with_first_byte,
    CASE WHEN t.requests_with_first_byte >= quantile_min_count(0.5) THEN f.p50 END
        AS p50_first_byte_ms,
    CASE WHEN t.requests_with_first_byte >= quantile_min_count(0.9) THEN f.p90 END
        AS p90_first_byte_ms,
    CASE WHEN t.requests_with_first_byte >= quantile_min_count(0.99) THEN f.p99 END
        AS p99_first_byte_ms
FROM totals AS t
LEFT JOIN quantiles AS l
    ON l.measure = 'latency' AND l.period = t.period AND l.model IS NOT DISTINCT FROM t.model
    AND l.served_mode = t.served_mode
LEFT JOIN quantiles AS f
    ON f.measure = 'first_byte' AND f.period = t.period
    AND f.model IS NOT DISTINCT FROM t.model AND f.served_mode = t.served_mode
ORDER BY t.period, t.model, t.served_mode
