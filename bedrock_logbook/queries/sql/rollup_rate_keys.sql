-- purpose: The pricing keys of the lake (model, profile scope, region, served and requested mode), from the daily rollup when it reflects the raw snapshot read, else from the raw rows: what lake_rates resolves rates for.
-- grain: one row per distinct model x profile_scope x region x served_latency x requested_latency with a model
-- layer: staging
-- depends: rollup_daily, raw_invocations_of, raw_files_unless
-- The daily rollup's grain holds every pricing key, and when current it reflects every raw
-- row read (rollup_daily_live's rule), so its few thousand rows a year give the same keys as
-- a scan of the raw table. logbook_rollup_daily_current() is a constant, so one branch is
-- read; the raw branch (a lake written before the rollups, an ingest between commits) reads
-- five columns.
CREATE OR REPLACE VIEW rollup_rate_keys AS
SELECT DISTINCT
    CAST(model AS VARCHAR) AS model, CAST(profile_scope AS VARCHAR) AS profile_scope,
    CAST(region AS VARCHAR) AS region, CAST(served_latency AS VARCHAR) AS served_latency,
    CAST(requested_latency AS VARCHAR) AS requested_latency
FROM rollup_daily
WHERE logbook_rollup_daily_current() AND model IS NOT NULL
UNION
SELECT DISTINCT
    CAST(model AS VARCHAR), CAST(profile_scope AS VARCHAR), CAST(region AS VARCHAR),
    CAST(served_latency AS VARCHAR), CAST(requested_latency AS VARCHAR)
FROM raw_invocations_of(raw_files_unless(logbook_rollup_daily_current()))
WHERE NOT logbook_rollup_daily_current() AND model IS NOT NULL;
