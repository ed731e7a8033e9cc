-- purpose: The same prompt (prompt_fp) run standard and optimized on one model on the same UTC day, side by side: calls and mean latency per mode over the days it ran both ways.
-- grain: one row per model x prompt_fp run in both modes on at least one UTC day
-- layer: metrics
-- depends: lake_prompt_pairs, prompt_pairs_same_day_of
-- The rows and columns are prompt_pairs_same_day_of's. logbook_prompt_pairs_current() is a
-- constant planned with the lake, so query_table binds one of the two: the connection's memo
-- while the pairs table reflects the raw snapshot read, else the definition (whose
-- prompt_pairs_live then reads raw rows).
CREATE OR REPLACE VIEW prompt_pairs_same_day AS
SELECT *
FROM query_table(CASE WHEN logbook_prompt_pairs_current() THEN 'lake_prompt_pairs'
    ELSE 'prompt_pairs_same_day_of' END);
