-- purpose: Per-token rates of the keys the caller names, per price period and prompt-size tier: the one rate definition (rate_tiers_of) that the invocations view, the rollup cost views and the pricing panels join.
-- grain: one row per model x scope_key x region_key x mode x valid_from x tier_min_prompt_tokens (DuckDB: every key of the lake, read from lake_rates)
-- layer: staging
-- kind: macro
-- depends: lake_rates
-- rate_tiers('invocations'), rate_tiers('<view>'): the argument names the rows whose keys are
-- wanted. In DuckDB the answer is lake_rates, the rates of every key of the lake computed
-- once per connection, a superset of the named rows' keys that callers join on key and mode;
-- other engines inline rate_tiers_of with the argument instead (queries/dialects.py).
CREATE OR REPLACE MACRO rate_tiers(rate_keys_from) AS TABLE
SELECT * FROM lake_rates;
