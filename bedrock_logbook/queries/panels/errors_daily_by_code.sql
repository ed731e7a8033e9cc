-- Failed calls per period x error code (throttles are ThrottlingException), with that
-- period's requests for the rate, from the daily rollup (error_code is in its grain, so the
-- counts are exact). The grain follows the selection's span so a year stays a few hundred
-- rows: 'day' (UTC days) up to 90 days of data, 'week' (ISO weeks, Monday to Sunday) beyond.
-- The eight codes with the most failures in the selection keep their name (ties by name);
-- the rest are summed as 'other'. first_day / last_day: the period's first and last
-- day holding requests in the selection (the drill-down's date range).
WITH selected AS (
    SELECT day, error_code, requests
    FROM rollup_daily_live /*models*/
    WHERE /*rollup_filters*/ TRUE
),
span AS (
    SELECT CASE WHEN max(day) - min(day) + 1 > 90 THEN 'week' ELSE 'day' END AS grain
    FROM selected
),
periods AS (
    SELECT
        s.day, s.error_code, s.requests, p.grain,
        CASE WHEN p.grain = 'week' THEN CAST(date_trunc('week', s.day) AS DATE) ELSE s.day END
            AS period
    FROM selected AS s, span AS p
),
ranked AS (
    SELECT error_code, row_number() OVER (ORDER BY sum(requests) DESC, error_code) AS code_rank
    FROM selected
    WHERE error_code IS NOT NULL
    GROUP BY error_code
),
totals AS (
    SELECT
        period, any_value(grain) AS grain, min(day) AS first_day, max(day) AS last_day,
        sum(requests) AS requests
    FROM periods
    GROUP BY period
),
errors AS (
    SELECT
        p.period,
        CASE WHEN r.code_rank <= 8 THEN p.error_code ELSE 'other' END AS error_code,
        least(min(r.code_rank), 9) AS code_rank,
        sum(p.requests) AS errors
    FROM periods AS p
    JOIN ranked AS r ON r.error_code = p.error_code
    GROUP BY ALL
)
SELECT
    CAST(t.grain AS VARCHAR) AS grain,
    CAST(e.period AS DATE) AS period,
    CAST(t.first_day AS DATE) AS first_day,
    CAST(t.last_day AS DATE) AS last_day,
    CAST(e.error_code AS VARCHAR) AS error_code,
    CAST(e.errors AS BIGINT) AS errors,
    CAST(t.requests AS BIGINT) AS requests,
    CAST(e.errors / t.requests AS DOUBLE) AS error_rate
FROM errors AS e
JOIN totals AS t ON t.period = e.period
ORDER BY e.period, e.code_rank
