-- purpose: The hourly rollup's rows with cost_usd, requested_cost_usd, rates and the unpriced reason (rollup_cost, same rules and rates as the invocations view).
-- grain: one row per rollup_hourly row
-- layer: staging
-- depends: rollup_cost, rollup_hourly
-- Sum cost_usd over any filter: it equals the sum of the invocations view's cost_usd over
-- the same requests (tests/test_rollup_views.py), as long as rollup_staleness says current.
CREATE OR REPLACE VIEW rollup_hourly_cost AS
SELECT * FROM rollup_cost('rollup_hourly');
