-- Freshness per account x source region (whole lake, unfiltered): newest record, requests,
-- and hours from it to the lake's newest record and to now.
-- Without a scan of the raw table: while the daily rollup reflects the raw snapshot the views
-- read, requests and each source's newest day come from it, and the newest ts of each source
-- from the raw rows on or after the oldest of those newest days only (every source's newest
-- record lies there, so the maximum is exact). Otherwise (an old lake, an ingest between its
-- two commits) from the raw rows. logbook_rollup_daily_current() is a constant planned with
-- the lake: one branch is read. Two steps (queries/panels.py STEP_MARKER): the first finds
-- that oldest newest day, the second reads the files that may hold rows from it on only
-- (raw_files_between: a ts filter alone still opens every file of the year).
SELECT timezone('UTC', CAST(min(newest_day) AS TIMESTAMP)) AS sources_first_ts
FROM (
    SELECT max(day) AS newest_day
    FROM rollup_daily
    WHERE logbook_rollup_daily_current()
    GROUP BY coalesce(account_id, '(none)'), coalesce(region, '(none)')
)
-- then:
WITH
rolled AS (
    SELECT
        coalesce(account_id, '(none)') AS account_id,
        coalesce(region, '(none)') AS region,
        CAST(sum(requests) AS BIGINT) AS requests,
        max(day) AS newest_day
    FROM rollup_daily
    WHERE logbook_rollup_daily_current()
    GROUP BY ALL
),
recent AS (
    SELECT
        coalesce(r.account_id, '(none)') AS account_id,
        coalesce(r.region, '(none)') AS region,
        max(r.ts) AS newest_record
    FROM raw_invocations_of(raw_files_between($sources_first_ts, NULL)) AS r
    WHERE logbook_rollup_daily_current() AND r.ts >= $sources_first_ts
    GROUP BY ALL
),
per_source AS (
    SELECT o.account_id, o.region, o.requests, n.newest_record
    FROM rolled AS o
    JOIN recent AS n USING (account_id, region)
    UNION ALL
    SELECT
        coalesce(account_id, '(none)') AS account_id,
        coalesce(region, '(none)') AS region,
        count(*) AS requests,
        max(ts) AS newest_record
    FROM raw_invocations_of(raw_files_unless(logbook_rollup_daily_current()))
    WHERE NOT logbook_rollup_daily_current()
    GROUP BY ALL
)
SELECT
    account_id,
    region,
    requests,
    newest_record,
    (epoch(max(newest_record) OVER ()) - epoch(newest_record)) / 3600.0 AS hours_behind_newest,
    (epoch(current_timestamp) - epoch(newest_record)) / 3600.0 AS newest_ts_age_hours
FROM per_source
ORDER BY hours_behind_newest DESC, account_id, region
