-- purpose: Per model, how many prompts ran both ways on the same UTC day and their mean latency gain (1 - optimized / standard mean latency of the same prompt).
-- grain: one row per model with at least one prompt run in both modes on one UTC day
-- layer: metrics
-- depends: prompt_pairs_same_day
CREATE OR REPLACE VIEW prompt_pairs_by_model AS
SELECT
    model,
    CAST(count(*) AS BIGINT) AS paired_prompts,
    CAST(100 * avg(latency_improvement) AS DOUBLE) AS latency_improvement_pct
FROM prompt_pairs_same_day
GROUP BY model;
