-- Quarantined inputs by reason, with one example each.
SELECT
    reason,
    sum(coalesce(folded_lines, 1)) AS quarantined,
    count(DISTINCT source) AS sources,
    any_value(detail) AS example_detail,
    any_value(source) AS example_source
FROM raw_quarantine
GROUP BY reason
ORDER BY quarantined DESC, reason
