-- How recent the newest record and the last ingest run are (whole lake, unfiltered).
-- Without a scan of the raw table: while the daily rollup reflects the raw snapshot the views
-- read, the request count is its sum and the newest record is the largest ts among the raw
-- rows of its newest day (a ts range the Parquet reader prunes row groups on); otherwise
-- (an old lake, an ingest between its two commits) both come from the raw rows.
-- logbook_rollup_daily_current() is a constant planned with the lake: one branch is read.
WITH newest_day AS (
    SELECT timezone('UTC', CAST(max(day) AS TIMESTAMP)) AS first_ts
    FROM rollup_daily
    WHERE logbook_rollup_daily_current()
)
SELECT
    CASE WHEN logbook_rollup_daily_current()
        THEN (SELECT max(r.ts) FROM raw_invocations AS r, newest_day AS d
              WHERE r.ts >= d.first_ts)
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
