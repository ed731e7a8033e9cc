-- purpose: Input lines and objects ingest could not use, with the reason and where to find them.
-- grain: one row per quarantined line (or whole object when source_line is NULL)
-- layer: raw
-- depends:
CREATE OR REPLACE VIEW raw_quarantine AS
WITH
typed_empty AS (
    SELECT
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS BIGINT) AS source_line,
        CAST(NULL AS VARCHAR) AS reason,
        CAST(NULL AS VARCHAR) AS detail,
        CAST(NULL AS VARCHAR) AS request_id,
        CAST(NULL AS VARCHAR) AS raw,
        CAST(NULL AS BIGINT) AS byte_offset,
        CAST(NULL AS VARCHAR) AS line_fp,
        CAST(NULL AS VARCHAR) AS envelope,
        CAST(NULL AS BIGINT) AS folded_lines
    WHERE false
),
lake_files AS (
    SELECT *
    FROM read_parquet(
        logbook_lake() || '/quarantine/part-*.parquet',
        union_by_name = true,
        allow_empty = true
    )
),
stored AS (
    SELECT * FROM typed_empty
    UNION ALL BY NAME
    SELECT * FROM lake_files
)
SELECT
    CAST(source AS VARCHAR) AS source,
    CAST(source_line AS BIGINT) AS source_line,
    CAST(reason AS VARCHAR) AS reason,
    CAST(detail AS VARCHAR) AS detail,
    CAST(request_id AS VARCHAR) AS request_id,
    CAST(raw AS VARCHAR) AS raw,
    CAST(byte_offset AS BIGINT) AS byte_offset,
    CAST(line_fp AS VARCHAR) AS line_fp,
    CAST(envelope AS VARCHAR) AS envelope,
    CAST(folded_lines AS BIGINT) AS folded_lines
FROM stored;
