-- One page of individual requests, newest first, with their cost ($limit rows from $offset;
-- $errors_only keeps failed or guardrail-stopped calls). Never a scan of the raw table:
-- the daily rollup's per-day counts (as requests_count) say which UTC days hold rows
-- $offset .. $offset + $limit - 1 of the newest-first order and how many newer rows come
-- before them; only those days' raw rows are read, and only the page's rows are priced, with
-- the rates of rate_tiers('rollup_daily_live') (the rollup keeps every key a request is
-- priced by) and the invocations view's rules (unpriced reasons, service-tier multiplier,
-- cache TTLs). Two steps (queries/panels.py STEP_MARKER): the first finds those days, the
-- second reads raw rows from the files that may hold them only (raw_files_between: a file
-- list must be a constant when DuckDB binds the query, and a ts filter alone still opens
-- every file of the year).
WITH
per_day AS (
    SELECT
        day,
        sum(CASE
            WHEN NOT $errors_only OR error_code IS NOT NULL THEN requests
            ELSE guardrail_interventions
        END) AS n
    FROM rollup_daily_live
    WHERE /*rollup_filters*/ TRUE
    GROUP BY day
),
running AS (
    SELECT
        day, n,
        -- rows of the selection on days newer than this one
        coalesce(sum(n) OVER (ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING
            AND 1 PRECEDING), 0) AS newer
    FROM per_day
    WHERE n > 0
),
span AS (
    SELECT
        timezone('UTC', CAST(min(day) AS TIMESTAMP)) AS first_ts,
        timezone('UTC', CAST(max(day) AS TIMESTAMP) + INTERVAL 1 DAY) AS end_ts,
        min(newer) AS skipped
    FROM running
    WHERE newer < $offset + $limit AND newer + n > $offset
)
SELECT first_ts AS span_first_ts, end_ts AS span_end_ts, skipped AS span_skipped
FROM span
-- then:
WITH
-- The newest $offset + $limit rows of those days at most (a top-N, not a sort of the days),
-- numbered; the page is the ones after the rows of newer days and of the offset.
newest AS (
    SELECT r.*
    FROM raw_invocations_of(raw_files_between($span_first_ts, $span_end_ts)) AS r
    WHERE /*filters*/ TRUE
        AND r.ts >= $span_first_ts AND r.ts < $span_end_ts
        AND (NOT $errors_only OR r.error_code IS NOT NULL OR r.guardrail_action = 'INTERVENED')
    ORDER BY r.ts DESC, r.request_id
    LIMIT $offset + $limit
),
page AS (
    SELECT n.*
    FROM (
        SELECT *, row_number() OVER (ORDER BY ts DESC, request_id) AS rank_in_span
        FROM newest
    ) AS n
    WHERE n.rank_in_span > $offset - $span_skipped
        AND n.rank_in_span <= $offset - $span_skipped + $limit
),
keyed AS (
    SELECT
        *,
        CAST(coalesce(served_latency, requested_latency, 'standard') AS VARCHAR) AS mode_key,
        CAST(coalesce(profile_scope, 'direct') AS VARCHAR) AS scope_key,
        CAST(coalesce(region, '') AS VARCHAR) AS region_key,
        CAST(coalesce(service_tier, 'default') AS VARCHAR) AS tier_key,
        CAST(coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS BIGINT) AS prompt_tokens,
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS write_5m_tokens,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS write_1h_tokens
    FROM page
),
costed AS (
    SELECT
        k.*,
        CAST(CASE
            WHEN k.model IS NULL OR k.tier_key = 'reserved' THEN NULL
            WHEN k.error_code IS NULL AND (k.input_tokens IS NULL OR k.output_tokens IS NULL)
                THEN NULL
            WHEN t.input_rate IS NULL OR t.output_rate IS NULL THEN NULL
            WHEN coalesce(k.cache_read_tokens, 0) > 0 AND t.cache_read_rate IS NULL THEN NULL
            WHEN k.write_5m_tokens > 0 AND t.cache_write_rate IS NULL THEN NULL
            WHEN k.write_1h_tokens > 0 AND t.cache_write_1h_rate IS NULL THEN NULL
            ELSE CASE k.tier_key WHEN 'default' THEN 1 ELSE st.multiplier END * (
                coalesce(k.input_tokens, 0) * t.input_rate
                + coalesce(k.output_tokens, 0) * t.output_rate
                + coalesce(k.cache_read_tokens, 0) * coalesce(t.cache_read_rate, 0)
                + k.write_5m_tokens * coalesce(t.cache_write_rate, 0)
                + k.write_1h_tokens * coalesce(t.cache_write_1h_rate, 0)
            ) / 1e6
        END AS DOUBLE) AS cost_usd
    FROM keyed AS k
    LEFT JOIN service_tier_list AS st
        ON st.model = k.model AND st.service_tier = k.tier_key
    LEFT JOIN rate_tiers('rollup_daily_live') AS t
        ON t.model = k.model AND t.scope_key = k.scope_key AND t.region_key = k.region_key
        AND k.date >= t.valid_from AND (t.valid_to IS NULL OR k.date < t.valid_to)
        AND t.mode = k.mode_key
        AND k.prompt_tokens >= t.tier_min_prompt_tokens
        AND (t.tier_next_prompt_tokens IS NULL OR k.prompt_tokens < t.tier_next_prompt_tokens)
)
SELECT
    ts,
    request_id,
    coalesce(model, model_id) AS model,
    model_id,
    coalesce(served_latency, 'unknown') AS served_mode,
    requested_latency AS requested_mode,
    operation,
    caller,
    account_id,
    region,
    inference_region,
    input_tokens,
    output_tokens,
    latency_ms,
    first_byte_ms,
    cost_usd,
    error_code,
    guardrail_action,
    source,
    source_line
FROM costed
ORDER BY ts DESC, request_id
