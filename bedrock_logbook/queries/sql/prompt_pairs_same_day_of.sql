-- purpose: The definition of prompt_pairs_same_day, computed at query time: the same prompt (prompt_fp) run standard and optimized on one model on the same UTC day, side by side: calls and mean latency per mode over the days it ran both ways.
-- grain: one row per model x prompt_fp run in both modes on at least one UTC day
-- layer: staging
-- depends: prompt_pairs_live
-- Read from the same-day pairs table (ingest/prompt_pairs.py). prompt_pairs_same_day serves
-- these rows from the connection's memo (lake_prompt_pairs) while the table is current.
-- Unlike mode_prompt_pairs (the exact whole-lake pairing over raw rows), only days on which the prompt ran in BOTH modes count: a prompt run standard on
-- one day and optimized on another is not a pair here.
CREATE OR REPLACE VIEW prompt_pairs_same_day_of AS
SELECT
    model,
    prompt_fp,
    CAST(sum(calls) FILTER (WHERE latency_mode = 'standard') AS BIGINT) AS standard_calls,
    CAST(sum(calls) FILTER (WHERE latency_mode = 'optimized') AS BIGINT) AS optimized_calls,
    CAST(sum(latency_ms_sum) FILTER (WHERE latency_mode = 'standard')
        / sum(calls) FILTER (WHERE latency_mode = 'standard') AS DOUBLE)
        AS standard_mean_latency_ms,
    CAST(sum(latency_ms_sum) FILTER (WHERE latency_mode = 'optimized')
        / sum(calls) FILTER (WHERE latency_mode = 'optimized') AS DOUBLE)
        AS optimized_mean_latency_ms,
    CAST(1 - (sum(latency_ms_sum) FILTER (WHERE latency_mode = 'optimized')
        / sum(calls) FILTER (WHERE latency_mode = 'optimized'))
        / (sum(latency_ms_sum) FILTER (WHERE latency_mode = 'standard')
        / sum(calls) FILTER (WHERE latency_mode = 'standard')) AS DOUBLE)
        AS latency_improvement,
    -- A paired day holds exactly one standard row (the grain), so counting those rows counts
    -- the days without a DISTINCT over a million rows.
    CAST(count(*) FILTER (WHERE latency_mode = 'standard') AS BIGINT) AS paired_days
FROM prompt_pairs_live
GROUP BY model, prompt_fp;
