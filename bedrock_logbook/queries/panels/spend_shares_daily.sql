-- Per UTC day: spend, the share of it that carries no requestMetadata tag at all, and the
-- share of requests that could not be priced (not in any spend figure).
SELECT
    day,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,
    coalesce(sum(cost_usd) FILTER (
        WHERE request_metadata IS NULL OR cardinality(request_metadata) = 0), 0)
        AS untagged_cost_usd,
    coalesce(sum(cost_usd) FILTER (
        WHERE request_metadata IS NULL OR cardinality(request_metadata) = 0), 0)
        / nullif(coalesce(sum(cost_usd), 0), 0) AS untagged_share,
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) AS unpriced_requests,
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) / count(*) AS unpriced_share
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY day
