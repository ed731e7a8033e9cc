-- purpose: The model cube's rows (rollup_daily_models_live: merged from the daily rollup while the cube is behind) with cost_usd, requested_cost_usd, rates and the unpriced reason (rollup_cost, same rules and rates as the invocations view).
-- grain: one row per rollup_daily_models_live row
-- layer: staging
-- depends: rollup_cost, rollup_daily_models_live
-- Every pricing key of the rollup is in the cube's grain (docs/rollups.md "Cost is computed at
-- query time"), so sum cost_usd over any filter on the cube's columns equals the sum of the
-- invocations view's cost_usd over the same requests (tests/test_rollup_views.py).
CREATE OR REPLACE VIEW rollup_daily_models_cost AS
SELECT * FROM rollup_cost('rollup_daily_models_live');
