-- How recent the newest record and the last ingest run are (whole lake, unfiltered).
-- Without a scan of the raw table: while the daily rollup reflects the raw snapshot the views
-- read, the request count is its sum and the newest record is the largest ts among the raw
-- rows of its newest day; otherwise (an old lake, an ingest between its two commits) both
-- come from the raw rows. logbook_rollup_daily_current() is a constant planned with the lake:
-- one branch is read. Two steps (queries/panels.py STEP_MARKER): the first finds the newest
-- day, the second reads the files that may hold its rows only (raw_files_between: a ts
-- filter alone still opens every file of the year).
SELECT timezone('UTC', CAST(max(day) AS TIMESTAMP)) AS newest_day_ts
FROM rollup_daily
WHERE logbook_rollup_daily_current()
-- then:
SELECT
    CASE WHEN logbook_rollup_daily_current()
        THEN (SELECT max(r.ts)
              FROM raw_invocations_of(raw_files_between($newest_day_ts, NULL)) AS r
              WHERE r.ts >= $newest_day_ts)
        ELSE (SELECT max(ts)
              FROM raw_invocations_of(raw_files_unless(logbook_rollup_daily_current()))
              WHERE NOT logbook_rollup_daily_current())
    END AS newest_record,
    CASE WHEN logbook_rollup_daily_current()
        THEN (SELECT CAST(coalesce(sum(requests), 0) AS BIGINT) FROM rollup_daily
              WHERE logbook_rollup_daily_current())
        ELSE (SELECT count(*)
              FROM raw_invocations_of(raw_files_unless(logbook_rollup_daily_current()))
              WHERE NOT logbook_rollup_daily_current())
    END AS requests,
    (SELECT max(TRY_CAST(finished_at AS TIMESTAMPTZ)) FROM raw_runs) AS last_run_finished,
    (SELECT count(*) FROM raw_runs) AS runs,
    (SELECT count(*) FROM raw_quarantine) AS quarantined
