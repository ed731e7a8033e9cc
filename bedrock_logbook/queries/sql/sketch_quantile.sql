-- purpose: Percentile q of a rollup sketch (any list of (bucket, n), merged or just concatenated), within 1% of the exact order statistic.
-- grain: a scalar over one list of buckets (NULL when it holds no value)
-- layer: seed
-- kind: macro
-- depends: sketch_value
-- The value of the bucket holding the order statistic of 0-based rank floor(q * (N - 1)) among
-- the N values (DDSketch's definition; quantile_cont interpolates between that value and the
-- next, so it can lie further away when the two are far apart: docs/rollups.md). Buckets may
-- repeat (sketches concatenated with flatten(list(...))): sorting brings equal buckets
-- together, so concatenating is merging. Over a filter and time range:
--   sketch_quantile(flatten(list(latency_ms_sketch)), 0.99)
-- The rank rides in the accumulator so that the total is summed once, not once per bucket.
CREATE OR REPLACE MACRO sketch_quantile(buckets, q) AS
    sketch_value(list_reduce(
        list_sort(buckets),
        lambda acc, b: CASE
            WHEN acc.found THEN acc
            ELSE {
                'rank': acc.rank,
                'cum': acc.cum + b.n,
                'bucket': b.bucket,
                'found': acc.cum + b.n > acc.rank
            }
        END,
        {
            'rank': CAST(q AS DOUBLE) * (list_sum(list_transform(buckets, lambda e: e.n)) - 1),
            'cum': CAST(0 AS HUGEINT),
            'bucket': CAST(NULL AS INTEGER),
            'found': false
        }
    ).bucket);
