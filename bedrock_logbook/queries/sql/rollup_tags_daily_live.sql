-- purpose: The tag rollup table when it reflects the raw table's current snapshot, else the same rows computed from the raw table at query time: exact either way, fast when current.
-- grain: one row per UTC day x tag_key x tag_value x the filter and pricing keys of ingest/tag_rollup.py (untagged requests under a NULL tag_key)
-- layer: staging
-- depends: rollup_tags_daily, raw_invocations_of, raw_files_unless
-- logbook_rollup_tags_daily_current() is a constant planned with the lake
-- (queries/connection.py: the table's rollup_of = the raw snapshot the views read), so only
-- one branch is ever read. The raw branch is ingest/tag_rollup.py's build_tag_rollup over
-- raw_invocations (a lake written before the table, an ingest between its raw and derived
-- commits, a killed one): tests/test_tag_rollup_views.py checks both branches give the same
-- rows. The prompt bands are ingest/rollup_schema.py's PROMPT_BANDS (a test keeps them equal).
CREATE OR REPLACE VIEW rollup_tags_daily_live AS
WITH src AS (
    SELECT
        *,
        CAST(coalesce(input_tokens, 0) AS HUGEINT) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS prompt_tokens,
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS billed_5m,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS billed_1h
    -- No raw file is bound when the table is current (raw_invocations_of's comment).
    FROM raw_invocations_of(raw_files_unless(logbook_rollup_tags_daily_current()))
    WHERE NOT logbook_rollup_tags_daily_current()
),
-- One row per tag of a tagged request; an untagged request (no map, or an empty one) once,
-- under a NULL key.
tagged AS (
    SELECT
        s.*,
        CAST(s.tag.key AS VARCHAR) AS tag_key,
        CAST(s.tag.value AS VARCHAR) AS tag_value
    FROM (
        SELECT *, unnest(map_entries(request_metadata)) AS tag
        FROM src
        WHERE request_metadata IS NOT NULL AND cardinality(request_metadata) > 0
    ) AS s
    UNION ALL BY NAME
    SELECT *, CAST(NULL AS VARCHAR) AS tag_key, CAST(NULL AS VARCHAR) AS tag_value
    FROM src
    WHERE request_metadata IS NULL OR cardinality(request_metadata) = 0
),
from_raw AS (
    SELECT
        CAST(date AS DATE) AS day,
        tag_key, tag_value, account_id, region, inference_region, cross_region, operation,
        model_id, model, model_id_kind, profile_scope, caller, requested_latency,
        served_latency, service_tier,
        CAST(list_max(list_filter([0, 100001, 128001, 200001, 272001, 500001, 1000001],
            lambda band: band <= prompt_tokens)) AS BIGINT) AS prompt_band,
        error_code IS NULL AND (input_tokens IS NULL OR output_tokens IS NULL) AS tokens_missing,
        coalesce(cache_read_tokens, 0) > 0 AS cache_read_used,
        billed_5m > 0 AS cache_write_5m_used,
        billed_1h > 0 AS cache_write_1h_used,
        CAST(count(*) AS BIGINT) AS requests,
        CAST(count(error_code) AS BIGINT) AS errors,
        CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
        CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(sum(billed_5m) AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
        CAST(sum(billed_1h) AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens
    FROM tagged
    GROUP BY ALL
)
SELECT * FROM rollup_tags_daily WHERE logbook_rollup_tags_daily_current()
UNION ALL BY NAME
SELECT * FROM from_raw;
