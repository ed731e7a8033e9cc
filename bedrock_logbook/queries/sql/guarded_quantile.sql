-- purpose: Percentile of x that is NULL when the group is too small to trust (the one rule every view and panel uses).
-- grain: an aggregate over the rows of a group (NULLs ignored)
-- layer: seed
-- kind: macro
-- depends: quantile_min_count
-- Minimum non-NULL values: quantile_min_count(q) (20 for p50/p90, 100 for p99 and above). Pass a CASE
-- expression instead of FILTER, e.g. guarded_quantile(CASE WHEN m = 'a' THEN x END, 0.5).
CREATE OR REPLACE MACRO guarded_quantile(x, q) AS
    CASE WHEN count(x) >= quantile_min_count(q)
        THEN CAST(quantile_cont(x, q) AS DOUBLE) END;
