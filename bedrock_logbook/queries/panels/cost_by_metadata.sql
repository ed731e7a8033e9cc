-- Cost by requestMetadata tag (key = value); requests without tags are not counted here.
SELECT
    tag.key AS metadata_key,
    tag.value AS metadata_value,
    count(*) AS requests,
    sum(cost_usd) AS cost_usd,  -- priced requests only; NULL when none is priced
    count(*) FILTER (WHERE NOT coalesce(priced, FALSE)) AS unpriced_requests,
    count(*) FILTER (WHERE priced) / count(*) AS priced_share
FROM (
    SELECT unnest(map_entries(request_metadata)) AS tag, cost_usd, priced
    FROM invocations
    WHERE /*filters*/ TRUE AND request_metadata IS NOT NULL AND cardinality(request_metadata) > 0
)
GROUP BY ALL
ORDER BY cost_usd DESC NULLS LAST, requests DESC, metadata_key, metadata_value
LIMIT 100
