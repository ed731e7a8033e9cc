-- purpose: The same-day prompt pairs table when it reflects the raw table's current snapshot, else the same rows computed from the raw table at query time: exact either way, fast when current.
-- grain: one row per UTC day x model x prompt_fp x latency_mode, for (day, model, prompt_fp) run in both modes that day
-- layer: staging
-- depends: prompt_pairs_daily, raw_invocations_of, raw_files_unless
-- logbook_prompt_pairs_current() is a constant planned with the lake (queries/connection.py:
-- the table's rollup_of = the raw snapshot the views read), so only one branch is ever read.
-- The raw branch is ingest/prompt_pairs.py's build_prompt_pairs over raw_invocations (a lake
-- written before the table, an ingest between its raw and derived commits, a killed one):
-- tests/test_prompt_pairs_views.py checks both branches give the same rows. A pair is a
-- prompt run both ways on the same UTC day; latency_mode is the billed mode, as in the
-- invocations view.
CREATE OR REPLACE VIEW prompt_pairs_live AS
WITH ok AS (
    SELECT
        CAST(date AS DATE) AS day,
        model,
        prompt_fp,
        CAST(coalesce(served_latency, requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        latency_ms, output_tokens, first_byte_ms
    -- No raw file is bound when the table is current (raw_invocations_of's comment).
    FROM raw_invocations_of(raw_files_unless(logbook_prompt_pairs_current()))
    WHERE NOT logbook_prompt_pairs_current()
        AND model IS NOT NULL AND prompt_fp IS NOT NULL AND latency_ms IS NOT NULL
        AND error_code IS NULL
),
per_mode AS (
    SELECT
        day, model, prompt_fp, latency_mode,
        CAST(count(*) AS BIGINT) AS calls,
        sum(CAST(latency_ms AS DOUBLE)) AS latency_ms_sum,
        CAST(count(output_tokens) AS BIGINT) AS output_tokens_count,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens_sum,
        CAST(count(first_byte_ms) AS BIGINT) AS first_byte_ms_count,
        sum(CAST(first_byte_ms AS DOUBLE)) AS first_byte_ms_sum
    FROM ok
    WHERE latency_mode IN ('standard', 'optimized')
    GROUP BY day, model, prompt_fp, latency_mode
),
from_raw AS (
    SELECT *
    FROM per_mode
    QUALIFY count(*) OVER (PARTITION BY day, model, prompt_fp) = 2
)
SELECT * FROM prompt_pairs_daily WHERE logbook_prompt_pairs_current()
UNION ALL BY NAME
SELECT * FROM from_raw;
