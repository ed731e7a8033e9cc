-- Values offered by the sidebar filters (the whole lake, unfiltered), in one scan of the daily
-- rollup (every filtered column is in its grain). Lists are never NULL, so an empty lake
-- offers empty choices.
SELECT
    min(day) AS first_day,  -- the UTC dates of the invocations
    max(day) AS last_day,
    CAST(coalesce(sum(requests), 0) AS BIGINT) AS requests,
    coalesce(list_sort(list(DISTINCT coalesce(model, model_id))
        FILTER (WHERE coalesce(model, model_id) IS NOT NULL)), []::VARCHAR[]) AS models,
    coalesce(list_sort(list(DISTINCT region)
        FILTER (WHERE region IS NOT NULL)), []::VARCHAR[]) AS regions,
    coalesce(list_sort(list(DISTINCT inference_region)
        FILTER (WHERE inference_region IS NOT NULL)), []::VARCHAR[]) AS inference_regions,
    coalesce(list_sort(list(DISTINCT coalesce(served_latency, 'unknown'))),
        []::VARCHAR[]) AS served_modes,
    coalesce(list_sort(list(DISTINCT operation)
        FILTER (WHERE operation IS NOT NULL)), []::VARCHAR[]) AS operations,
    coalesce(list_sort(list(DISTINCT caller)
        FILTER (WHERE caller IS NOT NULL)), []::VARCHAR[]) AS callers
FROM rollup_daily_live
