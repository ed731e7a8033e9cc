-- purpose: One row per committed ingest run, read from the lake's _runs/run-*.json records.
-- grain: one row per ingest run (run_id)
-- layer: raw
-- depends:
CREATE OR REPLACE VIEW raw_runs AS
WITH
typed_empty AS (
    SELECT
        CAST(NULL AS VARCHAR) AS run_id,
        CAST(NULL AS TIMESTAMPTZ) AS started_at,
        CAST(NULL AS TIMESTAMPTZ) AS finished_at,
        CAST(NULL AS DOUBLE) AS seconds,
        CAST(NULL AS VARCHAR) AS source,
        CAST(NULL AS BIGINT) AS objects,
        CAST(NULL AS BIGINT) AS skipped_objects,
        CAST(NULL AS BIGINT) AS lines,
        CAST(NULL AS BIGINT) AS rows_written,
        CAST(NULL AS BIGINT) AS duplicates,
        CAST(NULL AS BIGINT) AS conflicting,
        CAST(NULL AS BIGINT) AS quarantined,
        CAST(NULL AS BIGINT) AS bytes_in
    WHERE false
),
run_files AS (
    SELECT *
    FROM read_json(
        logbook_lake() || '/_runs/run-*.json',
        -- JSON lines: one record per run file, many in a file merged by `compact`.
        format = 'newline_delimited',
        -- Explicit types: the run record's other keys (if any) are ignored.
        columns = {
            'run_id': 'VARCHAR',
            'started_at': 'VARCHAR',
            'finished_at': 'VARCHAR',
            'seconds': 'DOUBLE',
            'source': 'VARCHAR',
            'objects': 'BIGINT',
            'skipped_objects': 'BIGINT',
            'lines': 'BIGINT',
            'rows_written': 'BIGINT',
            'duplicates': 'BIGINT',
            -- Runs before conflict counting have no such key: NULL (not counted), not 0.
            'conflicting': 'BIGINT',
            'quarantined': 'BIGINT',
            'bytes_in': 'BIGINT'
        },
        allow_empty = true
    )
),
stored AS (
    SELECT * FROM typed_empty
    UNION ALL BY NAME
    SELECT * FROM run_files
)
SELECT
    CAST(run_id AS VARCHAR) AS run_id,
    CAST(started_at AS TIMESTAMPTZ) AS started_at,
    CAST(finished_at AS TIMESTAMPTZ) AS finished_at,
    CAST(seconds AS DOUBLE) AS seconds,
    CAST(source AS VARCHAR) AS source,
    CAST(objects AS BIGINT) AS objects,
    CAST(skipped_objects AS BIGINT) AS skipped_objects,
    CAST(lines AS BIGINT) AS lines,
    CAST(rows_written AS BIGINT) AS rows_written,
    CAST(duplicates AS BIGINT) AS duplicates,
    CAST(conflicting AS BIGINT) AS conflicting,
    CAST(quarantined AS BIGINT) AS quarantined,
    CAST(bytes_in AS BIGINT) AS bytes_in
FROM stored
-- A compaction killed before deleting merged files leaves a record twice: keep one.
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY finished_at) = 1;
