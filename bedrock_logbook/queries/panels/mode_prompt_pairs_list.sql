-- Prompts (prompt_fp) run both standard and optimized on one model on the same UTC day: the
-- prompt_pairs_same_day view (whole lake, from the same-day pairs table), largest gain first.
-- The exact whole-lake pairing, days apart included, is the mode_prompt_pairs view.
SELECT
    model, prompt_fp, standard_calls, optimized_calls, standard_mean_latency_ms,
    optimized_mean_latency_ms, latency_improvement
FROM prompt_pairs_same_day
ORDER BY latency_improvement DESC NULLS LAST, model, prompt_fp
LIMIT 200
