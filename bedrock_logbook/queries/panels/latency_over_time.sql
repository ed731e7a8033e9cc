-- Latency and time to first byte percentiles per period ($grain: 'day' or 'hour', UTC) x
-- model x served mode, from the rollups' sketches summed per bucket: the order statistic
-- within 1% (docs/rollups.md), NULL below the minimum group size (quantile_min_count on the
-- *_count columns, as guarded_quantile). Days read the sketch table (or the model cube under
-- a region filter, rollup_daily_live under a caller, account or operation filter:
-- queries/panels.py); hours read
-- rollup_hourly while it reflects the raw snapshot the views read, else the same sketches
-- built from the raw rows (an old lake, an ingest between its commits). The hourly test is
-- constant (planned with the lake), so only one branch is read.
WITH rows_read AS (
    SELECT
        timezone('UTC', CAST(day AS TIMESTAMP)) AS hour, model, model_id, served_latency,
        latency_ms_count, latency_ms_sketch, first_byte_ms_count, first_byte_ms_sketch
    FROM rollup_daily_live /*sketches*/
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
-- One integer per period x model x mode, so that the sketches are grouped on it rather than
-- on the three keys.
totals AS MATERIALIZED (
    SELECT
        period, model, served_mode,
        CAST(sum(latency_ms_count) AS BIGINT) AS requests_with_latency,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS requests_with_first_byte,
        count(*) AS group_rows,
        CAST(row_number() OVER () AS BIGINT) AS group_id
    FROM selected
    GROUP BY ALL
),
keyed AS MATERIALIZED (
    SELECT
        t.group_id, t.group_rows,
        s.latency_ms_count, s.latency_ms_sketch, s.first_byte_ms_count, s.first_byte_ms_sketch
    FROM selected AS s
    JOIN totals AS t
        ON t.period = s.period AND t.model IS NOT DISTINCT FROM s.model
        AND t.served_mode = s.served_mode
),
-- Each group's sketch as one list for sketch_quantile: a group of one row (most days x model
-- x mode on the sketch table) as stored; else its buckets summed (latency 0, first byte 1),
-- a list as long as its distinct buckets (~160) however many rows it merges. Not a
-- running-count window (1.5-2x the CPU at 100M requests), nor the rows' lists concatenated
-- (~25x slower on the cube's ~20 rows per group).
lists AS (
    SELECT group_id, 0 AS measure, latency_ms_sketch AS sk
    FROM keyed
    WHERE group_rows = 1 AND latency_ms_count > 0
    UNION ALL
    SELECT group_id, 1 AS measure, first_byte_ms_sketch AS sk
    FROM keyed
    WHERE group_rows = 1 AND first_byte_ms_count > 0
    UNION ALL
    SELECT group_id, measure, list({'bucket': bucket, 'n': n}) AS sk
    FROM (
        SELECT group_id, measure, bucket, CAST(sum(n) AS BIGINT) AS n
        FROM (
            SELECT group_id, 0 AS measure, e.bucket AS bucket, e.n AS n
            FROM keyed, unnest(keyed.latency_ms_sketch) AS t(e)
            WHERE group_rows > 1 AND latency_ms_count > 0
            UNION ALL
            SELECT group_id, 1 AS measure, e.bucket AS bucket, e.n AS n
            FROM keyed, unnest(keyed.first_byte_ms_sketch) AS t(e)
            WHERE group_rows > 1 AND first_byte_ms_count > 0
        )
        GROUP BY ALL
    )
    GROUP BY ALL
),
quantiles AS (
    SELECT
        group_id, measure,
        sketch_quantile(sk, 0.5) AS p50,
        sketch_quantile(sk, 0.9) AS p90,
        sketch_quantile(sk, 0.99) AS p99
    FROM lists
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
LEFT JOIN quantiles AS l ON l.measure = 0 AND l.group_id = t.group_id
LEFT JOIN quantiles AS f ON f.measure = 1 AND f.group_id = t.group_id
ORDER BY t.period, t.model, t.served_mode
