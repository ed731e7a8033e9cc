-- Prompts (prompt_fp) run both standard and optimized on one model: the mode_prompt_pairs
-- view (whole lake), largest gain first.
SELECT *
FROM mode_prompt_pairs
ORDER BY latency_improvement DESC NULLS LAST, model, prompt_fp
LIMIT 200
