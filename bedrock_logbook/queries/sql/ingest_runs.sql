-- purpose: Ingest runs, newest first, with throughput and the share of lines that became rows.
-- grain: one row per ingest run (run_id)
-- layer: metrics
-- depends: raw_runs
CREATE OR REPLACE VIEW ingest_runs AS
SELECT
    run_id,
    started_at,
    finished_at,
    seconds,
    source,
    objects,
    skipped_objects,
    lines,
    rows_written,
    duplicates,
    conflicting,
    quarantined,
    bytes_in,
    CAST(lines / nullif(seconds, 0) AS DOUBLE) AS lines_per_s,
    CAST(bytes_in / 1048576.0 / nullif(seconds, 0) AS DOUBLE) AS mib_per_s,
    CAST(rows_written / nullif(lines, 0) AS DOUBLE) AS written_share
FROM raw_runs
ORDER BY started_at DESC;
