-- purpose: How current the lake is: newest invocation, newest ingest run and their age.
-- grain: exactly one row
-- layer: metrics
-- depends: raw_invocations, raw_runs
CREATE OR REPLACE VIEW freshness AS
WITH newest_invocation AS (
    SELECT max(ts) AS ts, count(*) AS requests FROM raw_invocations
),
newest_run AS (
    SELECT max(finished_at) AS finished_at, count(*) AS runs FROM raw_runs
)
SELECT
    i.ts AS newest_ts,
    CAST(i.requests AS BIGINT) AS requests,
    r.finished_at AS newest_run_finished_at,
    CAST(r.runs AS BIGINT) AS runs,
    CAST(epoch(current_timestamp) - epoch(i.ts) AS DOUBLE) / 3600 AS newest_ts_age_hours,
    CAST(epoch(current_timestamp) - epoch(r.finished_at) AS DOUBLE) / 3600
        AS newest_run_age_hours
FROM newest_invocation AS i
CROSS JOIN newest_run AS r;
