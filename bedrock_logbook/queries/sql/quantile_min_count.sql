-- purpose: Smallest number of values a percentile is shown for: 20 for p50/p90, 100 for p99 and above (the one guard raw and rollup percentiles share).
-- grain: a scalar of the quantile level q
-- layer: seed
-- kind: macro
-- depends:
-- queries/metrics.py states the same numbers for docs/metrics.md (PERCENTILE_MIN_N, P99_MIN_N);
-- tests/test_metrics.py checks both boundaries.
CREATE OR REPLACE MACRO quantile_min_count(q) AS
    CASE WHEN q >= 0.99 THEN 100 ELSE 20 END;
