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
-- Lambda parameters have long names: a short one (b, e) would bind to a caller's table alias.
CREATE OR REPLACE MACRO sketch_quantile(buckets, q) AS
    sketch_value(list_reduce(
        list_sort(buckets),
        lambda sketch_acc, sketch_item: CASE
            WHEN sketch_acc.found THEN sketch_acc
            ELSE {
                'rank': sketch_acc.rank,
                'cum': sketch_acc.cum + sketch_item.n,
                'bucket': sketch_item.bucket,
                'found': sketch_acc.cum + sketch_item.n > sketch_acc.rank
            }
        END,
        {
            'rank': CAST(q AS DOUBLE) * (list_sum(
                list_transform(buckets, lambda sketch_item: sketch_item.n)) - 1),
            'cum': CAST(0 AS HUGEINT),
            'bucket': CAST(NULL AS INTEGER),
            'found': false
        }
    ).bucket);
