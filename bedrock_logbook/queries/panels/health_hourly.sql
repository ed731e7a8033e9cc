-- Requests per UTC hour over the selection's last 14 days of data, every hour listed (an
-- hour without requests is a gap: a delivery or ingest problem, or just a quiet hour).
-- Counts from rollup_hourly while it reflects the raw snapshot the views read, else from
-- the raw rows (a constant test planned with the lake: one branch is read).
-- Only the hourly rows of the newest 15 days are read: the newest day comes first (one
-- column), and the day range prunes the other days' files; the 14-day window below lies
-- inside it, so the hours listed are the same.
WITH newest AS (
    SELECT max(day) - 14 AS first_day
    FROM rollup_hourly
    WHERE coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)
        AND /*rollup_filters*/ TRUE
),
selected AS (
    SELECT CAST(r.hour AT TIME ZONE 'UTC' AS TIMESTAMP) AS hour, r.requests
    FROM rollup_hourly AS r, newest AS n
    WHERE coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)
        AND /*rollup_filters*/ TRUE AND r.day >= n.first_day
    UNION ALL
    SELECT date_trunc('hour', ts AT TIME ZONE 'UTC') AS hour, 1 AS requests
    FROM raw_invocations_of(raw_files_unless(
        coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)))
    WHERE NOT coalesce(logbook_rollup_hourly_of() = logbook_snapshot(), FALSE)
        AND /*filters*/ TRUE
),
span AS (
    SELECT greatest(min(hour), max(hour) - INTERVAL 13 DAY - INTERVAL 23 HOUR) AS first_hour,
        max(hour) AS last_hour
    FROM selected
),
counts AS (
    SELECT hour, CAST(sum(requests) AS BIGINT) AS requests
    FROM selected, span
    WHERE hour >= first_hour
    GROUP BY hour
),
hours AS (
    SELECT unnest(generate_series(first_hour, last_hour, INTERVAL 1 HOUR)) AS hour
    FROM span
    WHERE first_hour IS NOT NULL
)
SELECT
    h.hour,
    CAST(h.hour AS DATE) AS day,
    strftime(h.hour, '%a %b %d') AS day_label,
    hour(h.hour) AS hour_of_day,
    coalesce(c.requests, 0) AS requests
FROM hours AS h
LEFT JOIN counts AS c USING (hour)
ORDER BY h.hour
