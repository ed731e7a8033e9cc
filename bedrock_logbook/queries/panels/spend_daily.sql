-- Spend per UTC day, stacked by the dimension chosen on the page ($dimension: model, caller,
-- account or tag; with tag, $tag_key names the requestMetadata key and requests without it
-- are '(untagged)'). The eight costliest values are kept, the rest summed as 'other'.
WITH selected AS (
    SELECT
        day,
        coalesce(CASE $dimension
            WHEN 'model' THEN coalesce(model, model_id)
            WHEN 'caller' THEN caller
            WHEN 'account' THEN account_id
            WHEN 'tag' THEN coalesce(map_extract(request_metadata, $tag_key)[1], '(untagged)')
        END, '(none)') AS value,
        cost_usd,
        coalesce(priced, FALSE) AS priced
    FROM invocations
    WHERE /*filters*/ TRUE
),
top_values AS (
    SELECT value FROM selected GROUP BY value
    ORDER BY coalesce(sum(cost_usd), 0) DESC, count(*) DESC, value LIMIT 8
)
SELECT
    day,
    CASE WHEN value IN (SELECT value FROM top_values) THEN value ELSE 'other' END AS value,
    count(*) AS requests,
    coalesce(sum(cost_usd), 0) AS cost_usd,  -- priced requests only
    count(*) FILTER (WHERE NOT priced) AS unpriced_requests
FROM selected
GROUP BY ALL
ORDER BY day, value
