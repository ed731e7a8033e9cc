-- purpose: Whether each derived table (the rollups, the model cube, the sketch table, the tag rollup, the same-day prompt pairs) reflects the raw table's current snapshot (its rollup_of), so pages can say a rollup is behind.
-- grain: one row per derived table (lake.location.DERIVED_TABLES: rollup_hourly, rollup_daily, rollup_daily_models, prompt_pairs_daily, rollup_tags_daily, rollup_daily_sketches)
-- layer: raw
-- depends:
-- state: 'current' (rollup_of = the raw snapshot the views read: the rollup is exact),
-- 'behind' (an ingest is between its raw and rollup commits, or was killed: the next run
-- heals it), 'absent' (no rollup table or no rollup snapshot yet, e.g. a lake written
-- before the rollups; the rollup views are then empty), 'empty' (no raw snapshot either).
CREATE OR REPLACE VIEW rollup_staleness AS
SELECT
    CAST(t.table_name AS VARCHAR) AS table_name,
    CAST(t.rollup_of AS BIGINT) AS rollup_of,
    CAST(logbook_snapshot() AS BIGINT) AS raw_snapshot_id,
    CAST(CASE
        WHEN logbook_snapshot() IS NULL AND t.rollup_of IS NULL THEN 'empty'
        WHEN t.rollup_of IS NULL THEN 'absent'
        WHEN t.rollup_of = logbook_snapshot() THEN 'current'
        ELSE 'behind'
    END AS VARCHAR) AS state,
    CAST(t.rollup_of IS NOT DISTINCT FROM logbook_snapshot() AND t.rollup_of IS NOT NULL
        AS BOOLEAN) AS is_current
FROM (
    SELECT 'rollup_hourly' AS table_name, logbook_rollup_hourly_of() AS rollup_of
    UNION ALL
    SELECT 'rollup_daily', logbook_rollup_daily_of()
    UNION ALL
    SELECT 'rollup_daily_models', logbook_rollup_daily_models_of()
    UNION ALL
    SELECT 'prompt_pairs_daily', logbook_prompt_pairs_daily_of()
    UNION ALL
    SELECT 'rollup_tags_daily', logbook_rollup_tags_daily_of()
    UNION ALL
    SELECT 'rollup_daily_sketches', logbook_rollup_daily_sketches_of()
) AS t;
