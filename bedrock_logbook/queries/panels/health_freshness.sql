-- How recent the newest record and the last ingest run are (whole lake, unfiltered).
SELECT
    (SELECT max(ts) FROM raw_invocations) AS newest_record,
    (SELECT count(*) FROM raw_invocations) AS requests,
    (SELECT max(TRY_CAST(finished_at AS TIMESTAMPTZ)) FROM raw_runs) AS last_run_finished,
    (SELECT count(*) FROM raw_runs) AS runs,
    (SELECT count(*) FROM raw_quarantine) AS quarantined
