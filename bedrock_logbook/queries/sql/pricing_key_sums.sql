-- purpose: Rows of the named relation summed per every other column it has (its pricing keys and the caller's breakdown): requests and the token counts rollup_cost prices, so rates are joined once per key, not once per rollup row.
-- grain: one row per distinct combination of the relation's columns other than the summed ones (a table macro over a CTE of the calling query, read with query_table)
-- layer: staging
-- kind: macro
-- depends:
-- The caller selects the pricing keys rollup_cost reads (day, model, model_id,
-- model_id_kind, profile_scope, region, requested and served latency, service_tier,
-- prompt_band, tokens_missing, the three cache_*_used flags), any column of its own to
-- break down by, and the measures below; cache_write_5m_tokens is summed when present.
-- Token sums are exact decimals, as in the rollup.
CREATE OR REPLACE MACRO pricing_key_sums(rows_from) AS TABLE
SELECT
    COLUMNS(lambda c: c NOT IN ('requests', 'input_tokens', 'output_tokens',
        'cache_read_tokens', 'cache_write_tokens', 'cache_write_5m_tokens',
        'billed_cache_write_5m_tokens', 'billed_cache_write_1h_tokens')),
    CAST(sum(COLUMNS(lambda c: c = 'requests')) AS BIGINT),
    CAST(sum(COLUMNS(lambda c: c IN ('input_tokens', 'output_tokens', 'cache_read_tokens',
        'cache_write_tokens', 'cache_write_5m_tokens', 'billed_cache_write_5m_tokens',
        'billed_cache_write_1h_tokens'))) AS DECIMAL(38, 0))
FROM query_table(rows_from)
GROUP BY ALL;
