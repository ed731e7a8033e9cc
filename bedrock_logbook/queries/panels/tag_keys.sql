-- The requestMetadata keys in the selection, most used first (the Spend page's tag choice).
-- Read from the tag rollup (rollup_tags_daily_live: a request counts once under each of its
-- keys), not from raw rows; no prices needed.
SELECT tag_key, CAST(sum(requests) AS BIGINT) AS requests
FROM rollup_tags_daily_live
WHERE /*rollup_filters*/ TRUE AND tag_key IS NOT NULL
GROUP BY tag_key
ORDER BY requests DESC, tag_key
LIMIT 50
