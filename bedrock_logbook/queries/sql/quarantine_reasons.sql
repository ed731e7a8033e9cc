-- purpose: Quarantined input by reason: how many lines, from how many sources, with an example.
-- grain: one row per quarantine reason
-- layer: metrics
-- depends: raw_quarantine
CREATE OR REPLACE VIEW quarantine_reasons AS
SELECT
    reason,
    -- A `folded` entry stands for folded_lines lines (an object stores at most 1,000).
    CAST(sum(coalesce(folded_lines, 1)) AS BIGINT) AS quarantined,
    CAST(count(DISTINCT source) AS BIGINT) AS sources,
    CAST(min(source) AS VARCHAR) AS example_source,
    CAST(arg_min(detail, source) AS VARCHAR) AS example_detail
FROM raw_quarantine
GROUP BY reason;
