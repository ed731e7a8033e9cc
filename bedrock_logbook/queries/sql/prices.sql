-- purpose: Per-token prices by model, latency mode, profile scope, region and date ('*' = any).
-- grain: one row per model x latency_mode x profile_scope x region x token_class x effective_from
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
    CAST(usd_per_million AS DOUBLE) AS usd_per_million,
    CAST(source AS VARCHAR) AS source,
    CAST(origin AS VARCHAR) AS origin,
    -- How narrowly a row is keyed: when several rows apply, the most specific one wins.
    CAST(
        (CASE WHEN region <> '*' THEN 4 ELSE 0 END)
        + (CASE WHEN profile_scope <> '*' THEN 2 ELSE 0 END)
        + (CASE WHEN latency_mode <> '*' THEN 1 ELSE 0 END)
        AS INTEGER
    ) AS specificity
FROM price_list;
