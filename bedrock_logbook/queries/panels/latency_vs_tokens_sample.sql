-- A bounded sample (2,000) of (output tokens, latency) points for the scatter, drawn from the
-- selection's newest UTC days only: the daily rollup's fit_n (requests with both values) per
-- day picks the fewest newest days that hold 2,000 such points (every day when the selection
-- holds fewer), and only those days' raw rows are read, never the whole selection.
-- Two steps (queries/panels.py STEP_MARKER): the first finds where those days start, the
-- second reads raw rows from then on, from the files that may hold them only
-- (raw_files_between: a file list must be a constant when DuckDB binds the query, and a ts
-- filter alone still opens every file of the year). Ordering by a hash of request_id picks
-- a pseudo-random but repeatable sample (the same selection always draws the same dots).
WITH
per_day AS (
    SELECT day, sum(fit_n) AS n
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE AND fit_n > 0
    GROUP BY day
),
running AS (
    SELECT
        day,
        coalesce(sum(n) OVER (ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING
            AND 1 PRECEDING), 0) AS newer
    FROM per_day
)
SELECT timezone('UTC', CAST(min(day) AS TIMESTAMP)) AS sample_since
FROM running
WHERE newer < 2000
-- then:
SELECT output_tokens, latency_ms, coalesce(served_latency, 'unknown') AS served_mode,
       coalesce(model, model_id) AS model
FROM raw_invocations_of(raw_files_between($sample_since, NULL)) AS r
WHERE /*filters*/ TRUE AND r.ts >= $sample_since
    AND latency_ms IS NOT NULL AND output_tokens IS NOT NULL
ORDER BY hash(request_id)
LIMIT 2000
