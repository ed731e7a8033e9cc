-- The requestMetadata keys in the selection, most used first (the Spend page's tag choice).
SELECT tag_key, count(*) AS requests
FROM (
    SELECT unnest(map_keys(request_metadata)) AS tag_key
    FROM raw_invocations
    WHERE /*filters*/ TRUE AND request_metadata IS NOT NULL
)
GROUP BY tag_key
ORDER BY requests DESC, tag_key
LIMIT 50
