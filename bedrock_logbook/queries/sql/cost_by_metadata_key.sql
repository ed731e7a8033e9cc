-- purpose: Requests, tokens and cost per requestMetadata key and value (caller-supplied tags).
-- grain: one row per metadata key x value (a request counts once under each of its keys)
-- layer: metrics
-- depends: invocations
CREATE OR REPLACE VIEW cost_by_metadata_key AS
WITH tagged AS (
    SELECT
        unnest(map_entries(request_metadata)) AS entry,
        cost_usd,
        priced,
        input_tokens,
        output_tokens
    FROM invocations
    WHERE request_metadata IS NOT NULL AND cardinality(request_metadata) > 0
)
SELECT
    CAST(entry.key AS VARCHAR) AS metadata_key,
    CAST(entry.value AS VARCHAR) AS metadata_value,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(count(*) FILTER (WHERE NOT priced) AS BIGINT) AS unpriced_requests,
    CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
    CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
    -- Priced requests only (NULL when none is priced, never $0 for "unknown");
    -- unpriced_requests and priced_share say how much is missing.
    CAST(sum(cost_usd) AS DOUBLE) AS cost_usd,
    CAST(count(*) FILTER (WHERE priced) / count(*) AS DOUBLE) AS priced_share
FROM tagged
GROUP BY entry.key, entry.value;
