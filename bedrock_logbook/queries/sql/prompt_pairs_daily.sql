-- purpose: The same-day prompt pairs table's current snapshot (calls and latency sums per day x model x prompt x mode for prompts run both ways that day); empty when the lake has none.
-- grain: one row per UTC day x model x prompt_fp x latency_mode, for (day, model, prompt_fp) run in both modes that day
-- layer: raw
-- depends:
-- The files are planned with pyiceberg like the rollup tables' (queries/connection.py:
-- logbook_prompt_pairs_daily_files()). The columns are ingest/prompt_pairs.PROMPT_PAIRS_SCHEMA's,
-- cast so that a lake without the table gives the same typed, empty view. Whether the rows
-- reflect the raw table's current snapshot is prompt_pairs_live's question.
CREATE OR REPLACE VIEW prompt_pairs_daily AS
WITH
typed_empty AS (
    SELECT
        CAST(NULL AS DATE) AS day,
        CAST(NULL AS VARCHAR) AS model,
        CAST(NULL AS VARCHAR) AS prompt_fp,
        CAST(NULL AS VARCHAR) AS latency_mode,
        CAST(NULL AS BIGINT) AS calls,
        CAST(NULL AS DOUBLE) AS latency_ms_sum,
        CAST(NULL AS BIGINT) AS output_tokens_count,
        CAST(NULL AS DECIMAL(38, 0)) AS output_tokens_sum,
        CAST(NULL AS BIGINT) AS first_byte_ms_count,
        CAST(NULL AS DOUBLE) AS first_byte_ms_sum
    WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_prompt_pairs_daily_files(),
        hive_partitioning = false,
        union_by_name = logbook_prompt_pairs_daily_mixed_columns(),
        allow_empty = true
    )
),
stored AS (
    SELECT * FROM typed_empty
    UNION ALL BY NAME
    SELECT * FROM lake_files
)
-- typed_empty comes first: its columns give the order and the types. With no file,
-- read_parquet(allow_empty) yields a dummy column 'empty', dropped here.
SELECT
    CAST(day AS DATE) AS day,
    CAST(model AS VARCHAR) AS model,
    CAST(prompt_fp AS VARCHAR) AS prompt_fp,
    CAST(latency_mode AS VARCHAR) AS latency_mode,
    CAST(calls AS BIGINT) AS calls,
    CAST(latency_ms_sum AS DOUBLE) AS latency_ms_sum,
    CAST(output_tokens_count AS BIGINT) AS output_tokens_count,
    CAST(output_tokens_sum AS DECIMAL(38, 0)) AS output_tokens_sum,
    CAST(first_byte_ms_count AS BIGINT) AS first_byte_ms_count,
    CAST(first_byte_ms_sum AS DOUBLE) AS first_byte_ms_sum
FROM stored;
