-- Whether each derived table (the rollups, the model cube, the sketch table, the tag rollup,
-- the same-day prompt pairs) reflects the raw table's current snapshot: the rollup_staleness
-- view, whole lake. A table behind or absent does not make a page wrong: the pages then
-- compute its rows from the raw rows (exact, slower) until the next ingest refreshes it.
SELECT
    table_name,
    state,
    CAST(CASE state
        WHEN 'current' THEN 'read by the pages'
        WHEN 'behind' THEN 'pages compute it from the raw rows until the next ingest refreshes it'
        WHEN 'absent' THEN 'not built yet: pages compute it from the raw rows'
        ELSE 'no data yet'
    END AS VARCHAR) AS what_it_means
FROM rollup_staleness
ORDER BY is_current, table_name
