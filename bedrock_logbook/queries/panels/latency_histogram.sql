-- Latency distribution per served mode, from the daily latency sketches (summed per bucket;
-- never the raw rows): the sketch table's, or the cube's or daily rollup's under a filter it
-- does not keep (queries/panels.py). Sketch bucket k holds the latencies in (gamma^(k-1),
-- gamma^k] ms, gamma = 1.01 / 0.99; a bin is m consecutive buckets, from the selection's
-- smallest bucket up to the one holding its 99th percentile (all modes together, the order
-- statistic from the merged sketch), with m the smallest width that makes at most 40 bins:
-- bins of equal width on a log axis (each ~2% x m wider than the one before). Counts per bin
-- are exact (a sketch bucket never straddles two bins); slower requests than the last bin's
-- end are counted in the last bin. 0 ms (the sketch's zero bucket) is counted as 1 ms.
WITH
buckets AS (
    SELECT
        coalesce(served_latency, 'unknown') AS served_mode,
        CASE WHEN sketch.bucket = -2147483648 THEN 0 ELSE sketch.bucket END AS bucket,
        sum(sketch.n) AS n
    FROM (
        SELECT served_latency, unnest(latency_ms_sketch) AS sketch
        FROM rollup_daily_live /*sketches*/
        WHERE /*rollup_filters*/ TRUE AND latency_ms_count > 0
    )
    GROUP BY ALL
),
-- The 99th percentile's bucket: the first whose running count exceeds 0.99 (N - 1), the
-- rule of sketch_quantile.
all_buckets AS (
    SELECT
        bucket,
        sum(sum(n)) OVER (ORDER BY bucket) AS running,
        sum(sum(n)) OVER () AS total
    FROM buckets
    GROUP BY bucket
),
span AS (
    SELECT
        (SELECT min(bucket) FROM all_buckets) AS first_bucket,
        (SELECT min(bucket) FROM all_buckets WHERE running > 0.99 * (total - 1)) AS p99_bucket
),
widths AS (
    SELECT
        first_bucket, p99_bucket,
        CAST(greatest(1, ceil((p99_bucket - first_bucket + 1) / 40)) AS BIGINT) AS width
    FROM span
),
layout AS (
    SELECT first_bucket, width, (p99_bucket - first_bucket) // width AS last_bin
    FROM widths
),
binned AS (
    SELECT
        b.served_mode,
        l.first_bucket, l.width,
        least((b.bucket - l.first_bucket) // l.width, l.last_bin) AS bin,
        b.n
    FROM buckets AS b, layout AS l
)
SELECT
    served_mode,
    CAST(pow(CAST(1.01 AS DOUBLE) / CAST(0.99 AS DOUBLE), first_bucket - 1 + bin * width)
        AS DOUBLE) AS bin_start_ms,
    CAST(pow(CAST(1.01 AS DOUBLE) / CAST(0.99 AS DOUBLE), first_bucket - 1 + (bin + 1) * width)
        AS DOUBLE) AS bin_end_ms,
    CAST(sum(n) AS BIGINT) AS requests
FROM binned
GROUP BY served_mode, first_bucket, width, bin
ORDER BY served_mode, bin_start_ms
