-- purpose: The effective price list (shipped CSV merged with the user's file), filled by Python.
-- grain: one row per model x latency mode x profile scope x region x token class x effective_from
-- layer: seed
-- kind: table
-- depends:
CREATE OR REPLACE TABLE price_list (
    model VARCHAR NOT NULL,
    latency_mode VARCHAR NOT NULL,   -- 'standard', 'optimized' or '*'
    profile_scope VARCHAR NOT NULL,  -- 'us', 'global', ..., 'direct' (no profile) or '*'
    region VARCHAR NOT NULL,         -- source Region, or '*'
    token_class VARCHAR NOT NULL,    -- input, output, cache_read, cache_write
    effective_from DATE NOT NULL,
    usd_per_million DECIMAL(18, 6) NOT NULL,
    source VARCHAR NOT NULL,
    origin VARCHAR NOT NULL          -- 'shipped' or the user file's path
);
