-- purpose: One rollup sketch from any list of (bucket, n): counts summed per bucket, sorted by bucket (what ingest/rollup.merge_rollups stores).
-- grain: a scalar over one list of buckets (NULL when it holds no value)
-- layer: seed
-- kind: macro
-- depends:
-- rollup_sketch_merge(flatten(list(latency_ms_sketch))) merges the sketches of a GROUP BY
-- into exactly the sketch the writer stores for the merged row (the model cube's live
-- fallback, rollup_daily_models_live). Call it on a list computed in an inner query: it is
-- a scalar subquery over that list.
CREATE OR REPLACE MACRO rollup_sketch_merge(sketch_entries) AS (
    SELECT list({'bucket': merged_bucket, 'n': merged_n} ORDER BY merged_bucket)
    FROM (
        SELECT sketch_entry.bucket AS merged_bucket, CAST(sum(sketch_entry.n) AS BIGINT) AS merged_n
        FROM unnest(sketch_entries) AS sketch_t(sketch_entry)
        GROUP BY sketch_entry.bucket
    )
);
