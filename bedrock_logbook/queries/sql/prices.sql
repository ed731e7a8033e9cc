-- purpose: Per-token prices by model, latency mode, profile scope, region, date and prompt-size tier ('*' = any).
-- grain: one row per model x latency_mode x profile_scope x region x token_class x effective_from x min_prompt_tokens
-- layer: staging
-- depends: price_list
CREATE OR REPLACE VIEW prices AS
SELECT
    CAST(model AS VARCHAR) AS model,
    CAST(latency_mode AS VARCHAR) AS latency_mode,
    CAST(profile_scope AS VARCHAR) AS profile_scope,
    CAST(region AS VARCHAR) AS region,
    CAST(token_class AS VARCHAR) AS token_class,
    CAST(effective_from AS DATE) AS effective_from,
    CAST(min_prompt_tokens AS BIGINT) AS min_prompt_tokens,
    CAST(usd_per_million AS DOUBLE) AS usd_per_million,
    CAST(source AS VARCHAR) AS source,
    CAST(origin AS VARCHAR) AS origin,
    -- Shipped with the package (genai-prices or the project file) rather than the user's file:
    -- any applicable user row wins over every packaged row.
    CAST(origin IN ('genai-prices', 'project') AS BOOLEAN) AS packaged,
    -- How narrowly a row is keyed: among rows of the same precedence the most specific wins.
    CAST(
        (CASE WHEN region <> '*' THEN 4 ELSE 0 END)
        + (CASE WHEN profile_scope <> '*' THEN 2 ELSE 0 END)
        + (CASE WHEN latency_mode <> '*' THEN 1 ELSE 0 END)
        AS INTEGER
    ) AS specificity
FROM price_list;
