-- Cost by requestMetadata tag (key = value); requests without tags are not counted here.
-- Read from the tag rollup (rollup_tags_cost: one row per day x tag x filter and pricing
-- keys, priced by the invocations view's rules), not from raw rows.
SELECT
    tag_key AS metadata_key,
    tag_value AS metadata_value,
    CAST(sum(requests) AS BIGINT) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    CAST(coalesce(sum(requests) FILTER (WHERE NOT priced), 0) AS BIGINT) AS unpriced_requests,
    CAST(coalesce(sum(requests) FILTER (WHERE priced), 0) AS DOUBLE)
        / CAST(sum(requests) AS DOUBLE) AS priced_share
FROM rollup_tags_cost
WHERE /*rollup_filters*/ TRUE AND tag_key IS NOT NULL
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, requests DESC, metadata_key, metadata_value
LIMIT 100
