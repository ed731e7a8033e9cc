-- purpose: The daily rollup's rows (rollup_daily_live: computed from the raw table while the rollup is behind) with cost_usd, requested_cost_usd, rates and the unpriced reason (rollup_cost, same rules and rates as the invocations view).
-- grain: one row per rollup_daily_live row
-- layer: staging
-- depends: rollup_cost, rollup_daily_live
-- Sum cost_usd over any filter: it equals the sum of the invocations view's cost_usd over
-- the same requests (tests/test_rollup_views.py), as long as rollup_staleness says current.
CREATE OR REPLACE VIEW rollup_daily_cost AS
SELECT * FROM rollup_cost('rollup_daily_live');
