-- purpose: Tag rollup rows priced at query time: the billed mode, the rates of rate_tiers, the unpriced reason and cost_usd, by the invocations view's rules (rollup_cost, as the main rollup is priced).
-- grain: one row per rollup_tags_daily_live row
-- layer: staging
-- depends: rollup_tags_daily_live, rollup_cost
-- Every raw row of a tag rollup row has the same pricing keys (ingest/tag_rollup.py keeps the
-- main rollup's: model, scope, region, day, modes, service tier, prompt band, tokens_missing,
-- cache flags), hence the same rates, multiplier and verdict, so the one pricing definition
-- (rollup_cost) prices it; its rates come from this view's own keys.
CREATE OR REPLACE VIEW rollup_tags_cost AS
SELECT * FROM rollup_cost('rollup_tags_daily_live');
