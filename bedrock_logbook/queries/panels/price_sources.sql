-- Which price each model was costed with; unpriced models first. The day in an unpriced
-- reason ("... on 2026-11-19") is dropped so each reason is one row, not one per day.
SELECT
    coalesce(model, model_id) AS model,
    coalesce(priced, FALSE) AS priced,
    regexp_replace(coalesce(price_source, '(none)'), ' on \d{4}-\d{2}-\d{2}$', '') AS price_source,
    count(*) AS requests,
    sum(cost_usd) AS cost_usd
FROM invocations
WHERE /*filters*/ TRUE
GROUP BY ALL
ORDER BY priced, requests DESC, model, price_source
LIMIT 200
