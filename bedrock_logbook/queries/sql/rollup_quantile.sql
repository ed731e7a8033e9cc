-- purpose: Percentile q merged from rollup sketches over the rows of a group, NULL when the group holds fewer values than the raw views' guard (quantile_min_count on the *_count column).
-- grain: an aggregate over rollup rows (a sketch column and its *_count column)
-- layer: seed
-- kind: macro
-- depends: sketch_quantile, quantile_min_count
-- E.g. rollup_quantile(latency_ms_sketch, latency_ms_count, 0.99). The answer is the order
-- statistic of rank floor(q * (N - 1)) within 1% (sketch_quantile), not quantile_cont's
-- interpolation (docs/rollups.md "The latency sketch"). Concatenating the rows' sketches is
-- merging them; over many rows (a month of daily rows) sum n per bucket first (unnest,
-- GROUP BY bucket) and call sketch_quantile on that list, as the dashboard panels do: the
-- concatenated list is walked element by element and gets slow past ~1e5 rows.
CREATE OR REPLACE MACRO rollup_quantile(sketch, value_count, q) AS
    CASE WHEN sum(value_count) >= quantile_min_count(q)
        THEN sketch_quantile(flatten(list(sketch)), q) END;
