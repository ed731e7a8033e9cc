-- The latest ingest runs, newest first.
SELECT
    run_id, started_at, finished_at, seconds, source, objects, skipped_objects, lines,
    rows_written, duplicates, conflicting, quarantined, bytes_in
FROM raw_runs
ORDER BY started_at DESC, run_id
LIMIT 100
