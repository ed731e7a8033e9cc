-- Per UTC day: spend, the share of it that carries no requestMetadata tag at all, and the
-- share of requests that could not be priced (not in any spend figure). Requests, spend and
-- unpriced requests come from the daily rollup (rollup_daily_cost); tags are not in its
-- grain (docs/rollups.md), so the untagged spend comes from the tag rollup's untagged rows
-- (rollup_tags_cost, tag_key NULL: each untagged request once), priced by the same rules.
WITH totals AS (
    SELECT
        day,
        CAST(sum(requests) AS BIGINT) AS requests,
        coalesce(sum(cost_usd), 0) AS cost_usd,
        CAST(coalesce(sum(requests) FILTER (WHERE NOT coalesce(priced, FALSE)), 0) AS BIGINT)
            AS unpriced_requests
    FROM rollup_daily_cost
    WHERE /*rollup_filters*/ TRUE
    GROUP BY day
),
untagged AS (
    SELECT day, coalesce(sum(cost_usd), 0) AS untagged_cost_usd
    FROM rollup_tags_cost
    WHERE /*rollup_filters*/ TRUE AND tag_key IS NULL
    GROUP BY day
)
SELECT
    t.day,
    t.requests,
    t.cost_usd,
    coalesce(u.untagged_cost_usd, 0) AS untagged_cost_usd,
    coalesce(u.untagged_cost_usd, 0) / nullif(t.cost_usd, 0) AS untagged_share,
    t.unpriced_requests,
    t.unpriced_requests / t.requests AS unpriced_share
FROM totals AS t
LEFT JOIN untagged AS u USING (day)
ORDER BY t.day
