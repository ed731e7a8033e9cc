-- The mode_comparison view as it stands (whole lake): per model, standard vs optimized
-- requests, p50 latency, and the latency gain over prompts run both ways (mode_prompt_pairs).
SELECT *
FROM mode_comparison
ORDER BY standard_requests + optimized_requests DESC, model
LIMIT 100
