-- Quarantined inputs by reason, with one example each.
SELECT
    reason,
    sum(coalesce(folded_lines, 1)) AS records,
    count(DISTINCT source) AS sources,
    any_value(detail) AS example_detail,
    any_value(source) AS example_source
FROM raw_quarantine
GROUP BY reason
ORDER BY records DESC, reason
