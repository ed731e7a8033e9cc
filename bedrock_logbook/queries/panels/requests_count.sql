-- How many requests the drill-down pages through ($errors_only as in requests_page).
SELECT count(*) AS requests
FROM raw_invocations
WHERE /*filters*/ TRUE
    AND (NOT $errors_only OR error_code IS NOT NULL OR guardrail_action = 'INTERVENED')
