-- purpose: The effective price list (genai-prices, the project file and the user's file), filled by Python.
-- grain: one row per model x latency mode x profile scope x region x token class x effective_from x min_prompt_tokens
-- layer: seed
-- kind: table
-- depends:
CREATE OR REPLACE TABLE price_list (
    model VARCHAR NOT NULL,          -- Bedrock base model ID, or a genai-prices model ID
    latency_mode VARCHAR NOT NULL,   -- 'standard', 'optimized' or '*'
    profile_scope VARCHAR NOT NULL,  -- 'us', 'global', ..., 'direct' (no profile) or '*'
    region VARCHAR NOT NULL,         -- source Region, or '*'
    token_class VARCHAR NOT NULL,    -- input, output, cache_read, cache_write, cache_write_1h
    effective_from DATE NOT NULL,
    min_prompt_tokens BIGINT NOT NULL,  -- tiered rates: applies from this many prompt tokens
    usd_per_million DECIMAL(18, 6) NOT NULL,
    source VARCHAR NOT NULL,
    origin VARCHAR NOT NULL          -- 'genai-prices', 'project' or the user file's path
);
