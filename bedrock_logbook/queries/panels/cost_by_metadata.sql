-- Cost by requestMetadata tag (key = value); requests without tags are not counted here.
SELECT
    tag.key AS metadata_key,
    tag.value AS metadata_value,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd
FROM (
    SELECT unnest(map_entries(request_metadata)) AS tag, cost_usd
    FROM invocations
    WHERE /*filters*/ TRUE AND request_metadata IS NOT NULL AND cardinality(request_metadata) > 0
)
GROUP BY ALL
ORDER BY cost_usd DESC, requests DESC, metadata_key, metadata_value
LIMIT 100
