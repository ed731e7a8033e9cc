-- Daily cost per model (the eight costliest models; the rest summed as 'other'), from the
-- daily rollup.
WITH selected AS (
    SELECT day, coalesce(model, model_id) AS model, cost_usd, requests
    FROM rollup_daily_cost
    WHERE /*rollup_filters*/ TRUE
),
top_models AS (
    SELECT model FROM selected GROUP BY model
    ORDER BY coalesce(sum(cost_usd), 0) DESC, sum(requests) DESC, model LIMIT 8
)
SELECT
    day,
    CASE WHEN model IN (SELECT model FROM top_models) THEN model ELSE 'other' END AS model,
    sum(cost_usd) AS cost_usd  -- priced requests only; NULL when none is priced
FROM selected
GROUP BY ALL
ORDER BY day, model
