-- Quarantined records (without the raw text, which can be large).
SELECT source, source_line, reason, detail, request_id
FROM raw_quarantine
ORDER BY source, source_line
LIMIT 200
