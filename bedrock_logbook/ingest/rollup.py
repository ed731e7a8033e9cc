"""Build the hourly rollup from invocation rows, and merge rollups: pure Arrow in, Arrow out.

Both run in an in-memory DuckDB over Arrow tables (no row loop in Python). The writer calls
``build_rollup`` on the raw rows of the days an ingest touched and replaces those days'
rollup files (docs/rollups.md); ``merge_rollups`` re-aggregates rollup rows at the same grain,
which is what any query over the rollup does: merging the rollups of disjoint row sets gives
the rollup of their union (tests/test_rollup_build.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from bedrock_logbook.ingest.rollup_schema import (
    MODELS_DROPPED,
    PROMPT_BANDS,
    ROLLUP_MODELS_SCHEMA,
    ROLLUP_SCHEMA,
    ROLLUP_SKETCHES_SCHEMA,
    SKETCH_LN_GAMMA,
    THROTTLE_CODES,
    ZERO_BUCKET,
)

# The bucket formula is rollup_schema.sketch_bucket's (and the sketch_bucket macro's):
# ceil(ln(x) / ln(gamma)), zero in ZERO_BUCKET. Negative values and NaN never reach here
# (the parser quarantines them); _CHECK refuses them rather than bucket them.
_BUILD = """
WITH src AS (
    SELECT
        *,
        CAST(coalesce(input_tokens, 0) AS HUGEINT) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS prompt_tokens,
        -- As the invocations view: without a TTL split every cache write is a 5-minute one.
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS billed_5m,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS billed_1h,
        latency_ms IS NOT NULL AND output_tokens IS NOT NULL AS in_fit,
        CASE WHEN latency_ms = 0 THEN $zero
            WHEN latency_ms > 0 THEN CAST(ceil(ln(CAST(latency_ms AS DOUBLE)) / $ln_gamma)
                AS INTEGER) END AS latency_bucket,
        CASE WHEN first_byte_ms = 0 THEN $zero
            WHEN first_byte_ms > 0 THEN CAST(ceil(ln(CAST(first_byte_ms AS DOUBLE)) / $ln_gamma)
                AS INTEGER) END AS first_byte_bucket,
        CASE WHEN output_tokens_per_s = 0 THEN $zero
            WHEN output_tokens_per_s > 0 THEN CAST(ceil(ln(output_tokens_per_s) / $ln_gamma)
                AS INTEGER) END AS tokens_per_s_bucket
    FROM invocations
)
SELECT
    date_trunc('hour', ts) AS hour,
    CAST(date_trunc('hour', ts) AS DATE) AS day,
    account_id, region, inference_region, cross_region, operation,
    model_id, model, model_id_kind, profile_scope, caller,
    requested_latency, served_latency, fallback_reason, service_tier, error_code,
    CAST(list_max(list_filter($bands, lambda band: band <= prompt_tokens)) AS BIGINT)
        AS prompt_band,
    error_code IS NULL AND (input_tokens IS NULL OR output_tokens IS NULL) AS tokens_missing,
    coalesce(cache_read_tokens, 0) > 0 AS cache_read_used,
    billed_5m > 0 AS cache_write_5m_used,
    billed_1h > 0 AS cache_write_1h_used,
    count(*) AS requests,
    count(error_code) AS errors,
    count(*) FILTER (WHERE list_contains($throttles, error_code)) AS throttles,
    count(*) FILTER (WHERE guardrail_action = 'INTERVENED') AS guardrail_interventions,
    CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
    CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
    CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
    CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
    CAST(sum(cache_write_5m_tokens) AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
    CAST(sum(cache_write_1h_tokens) AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
    CAST(sum(billed_5m) AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
    CAST(sum(billed_1h) AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens,
    count(latency_ms) AS latency_ms_count,
    sum(CAST(latency_ms AS DOUBLE)) AS latency_ms_sum,
    CAST(min(latency_ms) AS DOUBLE) AS latency_ms_min,
    CAST(max(latency_ms) AS DOUBLE) AS latency_ms_max,
    list_transform(map_entries(histogram(latency_bucket)),
        lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
        AS latency_ms_sketch,
    count(first_byte_ms) AS first_byte_ms_count,
    sum(CAST(first_byte_ms AS DOUBLE)) AS first_byte_ms_sum,
    CAST(min(first_byte_ms) AS DOUBLE) AS first_byte_ms_min,
    CAST(max(first_byte_ms) AS DOUBLE) AS first_byte_ms_max,
    list_transform(map_entries(histogram(first_byte_bucket)),
        lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
        AS first_byte_ms_sketch,
    count(output_tokens_per_s) AS output_tokens_per_s_count,
    sum(output_tokens_per_s) AS output_tokens_per_s_sum,
    min(output_tokens_per_s) AS output_tokens_per_s_min,
    max(output_tokens_per_s) AS output_tokens_per_s_max,
    list_transform(map_entries(histogram(tokens_per_s_bucket)),
        lambda entry: {'bucket': entry.key, 'n': CAST(entry.value AS BIGINT)})
        AS output_tokens_per_s_sketch,
    count(*) FILTER (WHERE in_fit) AS fit_n,
    sum(CAST(output_tokens AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_x,
    sum(CAST(latency_ms AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_y,
    sum(CAST(output_tokens AS DOUBLE) * output_tokens) FILTER (WHERE in_fit) AS fit_sum_xx,
    sum(CAST(output_tokens AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_xy,
    sum(CAST(latency_ms AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_yy
FROM src
GROUP BY ALL
ORDER BY ALL
"""

# The same rollup, faster (docs/rollups.md "Build"): DuckDB's histogram() aggregate cost three
# quarters of the build. Each row gets a 64-bit hash of its grain values (g); the measures are
# aggregated per g (one narrow key instead of 21 columns), each sketch by (g, bucket) with
# plain counts, then listed per g. Whether two grains share a hash is checked, not assumed:
# per g every grain column must have one value (min = max, all NULL or none), else
# build_rollup_in runs _BUILD instead.
_BUILD_BY_HASH = """
WITH src AS (
    SELECT
        *,
        CAST(coalesce(input_tokens, 0) AS HUGEINT) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS prompt_tokens,
        -- As the invocations view: without a TTL split every cache write is a 5-minute one.
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS billed_5m,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS billed_1h,
        latency_ms IS NOT NULL AND output_tokens IS NOT NULL AS in_fit,
        CASE WHEN latency_ms = 0 THEN $zero
            WHEN latency_ms > 0 THEN CAST(ceil(ln(CAST(latency_ms AS DOUBLE)) / $ln_gamma)
                AS INTEGER) END AS latency_bucket,
        CASE WHEN first_byte_ms = 0 THEN $zero
            WHEN first_byte_ms > 0 THEN CAST(ceil(ln(CAST(first_byte_ms AS DOUBLE)) / $ln_gamma)
                AS INTEGER) END AS first_byte_bucket,
        CASE WHEN output_tokens_per_s = 0 THEN $zero
            WHEN output_tokens_per_s > 0 THEN CAST(ceil(ln(output_tokens_per_s) / $ln_gamma)
                AS INTEGER) END AS tokens_per_s_bucket
    FROM invocations
),
keyed AS MATERIALIZED (
    SELECT
        date_trunc('hour', ts) AS hour,
        account_id, region, inference_region, cross_region, operation,
        model_id, model, model_id_kind, profile_scope, caller,
        requested_latency, served_latency, fallback_reason, service_tier, error_code,
        CAST(list_max(list_filter($bands, lambda band: band <= prompt_tokens)) AS BIGINT)
            AS prompt_band,
        error_code IS NULL AND (input_tokens IS NULL OR output_tokens IS NULL) AS tokens_missing,
        coalesce(cache_read_tokens, 0) > 0 AS cache_read_used,
        billed_5m > 0 AS cache_write_5m_used,
        billed_1h > 0 AS cache_write_1h_used,
        hash(hour, account_id, region, inference_region, cross_region, operation,
        model_id, model, model_id_kind, profile_scope, caller, requested_latency,
        served_latency, fallback_reason, service_tier, error_code, prompt_band, tokens_missing,
        cache_read_used, cache_write_5m_used, cache_write_1h_used) AS g,
        guardrail_action, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
        cache_write_5m_tokens, cache_write_1h_tokens, billed_5m, billed_1h,
        latency_ms, first_byte_ms, output_tokens_per_s, in_fit,
        latency_bucket, first_byte_bucket, tokens_per_s_bucket
    FROM src
),
base AS (
    SELECT
        g,
        any_value(hour) AS hour,
        any_value(account_id) AS account_id,
        any_value(region) AS region,
        any_value(inference_region) AS inference_region,
        any_value(cross_region) AS cross_region,
        any_value(operation) AS operation,
        any_value(model_id) AS model_id,
        any_value(model) AS model,
        any_value(model_id_kind) AS model_id_kind,
        any_value(profile_scope) AS profile_scope,
        any_value(caller) AS caller,
        any_value(requested_latency) AS requested_latency,
        any_value(served_latency) AS served_latency,
        any_value(fallback_reason) AS fallback_reason,
        any_value(service_tier) AS service_tier,
        any_value(error_code) AS error_code,
        any_value(prompt_band) AS prompt_band,
        any_value(tokens_missing) AS tokens_missing,
        any_value(cache_read_used) AS cache_read_used,
        any_value(cache_write_5m_used) AS cache_write_5m_used,
        any_value(cache_write_1h_used) AS cache_write_1h_used,
        min(hour) IS NOT DISTINCT FROM max(hour)
            AND count(hour) IN (0, count(*))
        AND min(account_id) IS NOT DISTINCT FROM max(account_id)
            AND count(account_id) IN (0, count(*))
        AND min(region) IS NOT DISTINCT FROM max(region)
            AND count(region) IN (0, count(*))
        AND min(inference_region) IS NOT DISTINCT FROM max(inference_region)
            AND count(inference_region) IN (0, count(*))
        AND min(cross_region) IS NOT DISTINCT FROM max(cross_region)
            AND count(cross_region) IN (0, count(*))
        AND min(operation) IS NOT DISTINCT FROM max(operation)
            AND count(operation) IN (0, count(*))
        AND min(model_id) IS NOT DISTINCT FROM max(model_id)
            AND count(model_id) IN (0, count(*))
        AND min(model) IS NOT DISTINCT FROM max(model)
            AND count(model) IN (0, count(*))
        AND min(model_id_kind) IS NOT DISTINCT FROM max(model_id_kind)
            AND count(model_id_kind) IN (0, count(*))
        AND min(profile_scope) IS NOT DISTINCT FROM max(profile_scope)
            AND count(profile_scope) IN (0, count(*))
        AND min(caller) IS NOT DISTINCT FROM max(caller)
            AND count(caller) IN (0, count(*))
        AND min(requested_latency) IS NOT DISTINCT FROM max(requested_latency)
            AND count(requested_latency) IN (0, count(*))
        AND min(served_latency) IS NOT DISTINCT FROM max(served_latency)
            AND count(served_latency) IN (0, count(*))
        AND min(fallback_reason) IS NOT DISTINCT FROM max(fallback_reason)
            AND count(fallback_reason) IN (0, count(*))
        AND min(service_tier) IS NOT DISTINCT FROM max(service_tier)
            AND count(service_tier) IN (0, count(*))
        AND min(error_code) IS NOT DISTINCT FROM max(error_code)
            AND count(error_code) IN (0, count(*))
        AND min(prompt_band) IS NOT DISTINCT FROM max(prompt_band)
            AND count(prompt_band) IN (0, count(*))
        AND min(tokens_missing) IS NOT DISTINCT FROM max(tokens_missing)
            AND count(tokens_missing) IN (0, count(*))
        AND min(cache_read_used) IS NOT DISTINCT FROM max(cache_read_used)
            AND count(cache_read_used) IN (0, count(*))
        AND min(cache_write_5m_used) IS NOT DISTINCT FROM max(cache_write_5m_used)
            AND count(cache_write_5m_used) IN (0, count(*))
        AND min(cache_write_1h_used) IS NOT DISTINCT FROM max(cache_write_1h_used)
            AND count(cache_write_1h_used) IN (0, count(*))
            AS one_grain,
        count(*) AS requests,
        count(error_code) AS errors,
        count(*) FILTER (WHERE list_contains($throttles, error_code)) AS throttles,
        count(*) FILTER (WHERE guardrail_action = 'INTERVENED') AS guardrail_interventions,
        CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
        CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(sum(cache_write_5m_tokens) AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
        CAST(sum(cache_write_1h_tokens) AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
        CAST(sum(billed_5m) AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
        CAST(sum(billed_1h) AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens,
        count(latency_ms) AS latency_ms_count,
        sum(CAST(latency_ms AS DOUBLE)) AS latency_ms_sum,
        CAST(min(latency_ms) AS DOUBLE) AS latency_ms_min,
        CAST(max(latency_ms) AS DOUBLE) AS latency_ms_max,
        count(first_byte_ms) AS first_byte_ms_count,
        sum(CAST(first_byte_ms AS DOUBLE)) AS first_byte_ms_sum,
        CAST(min(first_byte_ms) AS DOUBLE) AS first_byte_ms_min,
        CAST(max(first_byte_ms) AS DOUBLE) AS first_byte_ms_max,
        count(output_tokens_per_s) AS output_tokens_per_s_count,
        sum(output_tokens_per_s) AS output_tokens_per_s_sum,
        min(output_tokens_per_s) AS output_tokens_per_s_min,
        max(output_tokens_per_s) AS output_tokens_per_s_max,
        count(*) FILTER (WHERE in_fit) AS fit_n,
        sum(CAST(output_tokens AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_x,
        sum(CAST(latency_ms AS DOUBLE)) FILTER (WHERE in_fit) AS fit_sum_y,
        sum(CAST(output_tokens AS DOUBLE) * output_tokens) FILTER (WHERE in_fit) AS fit_sum_xx,
        sum(CAST(output_tokens AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_xy,
        sum(CAST(latency_ms AS DOUBLE) * latency_ms) FILTER (WHERE in_fit) AS fit_sum_yy
    FROM keyed
    GROUP BY g
),
latency AS (
    SELECT g, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (SELECT g, latency_bucket AS bucket, count(*) AS n FROM keyed
          WHERE latency_bucket IS NOT NULL GROUP BY g, latency_bucket)
    GROUP BY g
),
first_byte AS (
    SELECT g, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (SELECT g, first_byte_bucket AS bucket, count(*) AS n FROM keyed
          WHERE first_byte_bucket IS NOT NULL GROUP BY g, first_byte_bucket)
    GROUP BY g
),
tokens_per_s AS (
    SELECT g, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (SELECT g, tokens_per_s_bucket AS bucket, count(*) AS n FROM keyed
          WHERE tokens_per_s_bucket IS NOT NULL GROUP BY g, tokens_per_s_bucket)
    GROUP BY g
)
SELECT
    b.* EXCLUDE (g),
    CAST(b.hour AS DATE) AS day,
    l.sketch AS latency_ms_sketch,
    f.sketch AS first_byte_ms_sketch,
    s.sketch AS output_tokens_per_s_sketch
FROM base AS b
LEFT JOIN latency AS l USING (g)
LEFT JOIN first_byte AS f USING (g)
LEFT JOIN tokens_per_s AS s USING (g)
-- The grain is unique per row: the order of _BUILD's ORDER BY ALL.
ORDER BY hour, day, account_id, region, inference_region, cross_region, operation,
    model_id, model, model_id_kind, profile_scope, caller, requested_latency, served_latency,
    fallback_reason, service_tier, error_code, prompt_band, tokens_missing, cache_read_used,
    cache_write_5m_used, cache_write_1h_used
"""

_CHECK = """
SELECT
    count(*) FILTER (WHERE latency_ms < 0 OR first_byte_ms < 0 OR output_tokens_per_s < 0
        OR isnan(output_tokens_per_s) OR isinf(output_tokens_per_s))
FROM invocations
"""

# One row per grain combination: sums add, min/max combine, sketches are concatenated per
# group and then summed per bucket (keyed by a row number, since grain values may be NULL).
_MERGE = """
WITH merged AS MATERIALIZED (
    SELECT
        row_number() OVER () AS rid,
        hour, day, account_id, region, inference_region, cross_region, operation,
        model_id, model, model_id_kind, profile_scope, caller,
        requested_latency, served_latency, fallback_reason, service_tier, error_code,
        prompt_band, tokens_missing, cache_read_used, cache_write_5m_used, cache_write_1h_used,
        CAST(sum(requests) AS BIGINT) AS requests,
        CAST(sum(errors) AS BIGINT) AS errors,
        CAST(sum(throttles) AS BIGINT) AS throttles,
        CAST(sum(guardrail_interventions) AS BIGINT) AS guardrail_interventions,
        CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
        CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
        CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
        CAST(sum(cache_write_5m_tokens) AS DECIMAL(38, 0)) AS cache_write_5m_tokens,
        CAST(sum(cache_write_1h_tokens) AS DECIMAL(38, 0)) AS cache_write_1h_tokens,
        CAST(sum(billed_cache_write_5m_tokens) AS DECIMAL(38, 0))
            AS billed_cache_write_5m_tokens,
        CAST(sum(billed_cache_write_1h_tokens) AS DECIMAL(38, 0))
            AS billed_cache_write_1h_tokens,
        CAST(sum(latency_ms_count) AS BIGINT) AS latency_ms_count,
        sum(latency_ms_sum) AS latency_ms_sum,
        min(latency_ms_min) AS latency_ms_min,
        max(latency_ms_max) AS latency_ms_max,
        flatten(list(latency_ms_sketch)) AS latency_ms_all,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS first_byte_ms_count,
        sum(first_byte_ms_sum) AS first_byte_ms_sum,
        min(first_byte_ms_min) AS first_byte_ms_min,
        max(first_byte_ms_max) AS first_byte_ms_max,
        flatten(list(first_byte_ms_sketch)) AS first_byte_ms_all,
        CAST(sum(output_tokens_per_s_count) AS BIGINT) AS output_tokens_per_s_count,
        sum(output_tokens_per_s_sum) AS output_tokens_per_s_sum,
        min(output_tokens_per_s_min) AS output_tokens_per_s_min,
        max(output_tokens_per_s_max) AS output_tokens_per_s_max,
        flatten(list(output_tokens_per_s_sketch)) AS output_tokens_per_s_all,
        CAST(sum(fit_n) AS BIGINT) AS fit_n,
        sum(fit_sum_x) AS fit_sum_x,
        sum(fit_sum_y) AS fit_sum_y,
        sum(fit_sum_xx) AS fit_sum_xx,
        sum(fit_sum_xy) AS fit_sum_xy,
        sum(fit_sum_yy) AS fit_sum_yy
    FROM rollups
    GROUP BY ALL
),
latency AS (
    SELECT rid, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (
        SELECT rid, e.bucket AS bucket, CAST(sum(e.n) AS BIGINT) AS n
        FROM merged, unnest(latency_ms_all) AS t(e) GROUP BY rid, e.bucket
    ) GROUP BY rid
),
first_byte AS (
    SELECT rid, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (
        SELECT rid, e.bucket AS bucket, CAST(sum(e.n) AS BIGINT) AS n
        FROM merged, unnest(first_byte_ms_all) AS t(e) GROUP BY rid, e.bucket
    ) GROUP BY rid
),
tokens_per_s AS (
    SELECT rid, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (
        SELECT rid, e.bucket AS bucket, CAST(sum(e.n) AS BIGINT) AS n
        FROM merged, unnest(output_tokens_per_s_all) AS t(e) GROUP BY rid, e.bucket
    ) GROUP BY rid
)
SELECT
    m.* EXCLUDE (rid, latency_ms_all, first_byte_ms_all, output_tokens_per_s_all),
    l.sketch AS latency_ms_sketch,
    f.sketch AS first_byte_ms_sketch,
    s.sketch AS output_tokens_per_s_sketch
FROM merged AS m
LEFT JOIN latency AS l USING (rid)
LEFT JOIN first_byte AS f USING (rid)
LEFT JOIN tokens_per_s AS s USING (rid)
ORDER BY ALL
"""


def build_rollup(invocations: pa.Table) -> pa.Table:
    """The hourly rollup (``rollup_schema.ROLLUP_SCHEMA``) of invocation rows.

    ``invocations`` has the raw table's columns (``schema.INVOCATIONS_SCHEMA``; others are
    ignored), one row per request_id: deduplicate before, the rollup counts what it is given.
    ValueError when a latency, first byte or decode speed is negative, NaN or infinite.
    """
    con = connect()
    try:
        con.register("invocations", invocations)
        return build_rollup_in(con)
    finally:
        con.close()


def build_rollup_in(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """:func:`build_rollup` of the relation named ``invocations`` in ``con`` (a view over a
    day's Parquet files, say: DuckDB then streams them instead of holding Arrow rows).
    ``con``'s TimeZone must be UTC (:func:`connect`)."""
    bad = _arrow(con.sql(_CHECK)).column(0)[0].as_py()
    if bad:
        raise ValueError(f"{bad} rows have a negative, NaN or infinite latency, first byte "
                         "or decode speed; the raw table never holds one")
    params = {"zero": ZERO_BUCKET, "ln_gamma": SKETCH_LN_GAMMA, "bands": list(PROMPT_BANDS),
              "throttles": list(THROTTLE_CODES)}
    result = _arrow(con.sql(_BUILD_BY_HASH, params=params))
    if not pc.all(result.column("one_grain")).as_py() and result.num_rows:
        result = _arrow(con.sql(_BUILD, params=params))  # two grains shared a hash
    return conform(result)


def merge_rollups(*rollups: pa.Table) -> pa.Table:
    """Rollup rows re-aggregated at the full grain: one row per grain combination."""
    tables = [conform(r) for r in rollups]
    con = connect()
    try:
        con.register("rollups", pa.concat_tables(tables) if tables
                     else ROLLUP_SCHEMA.empty_table())
        result = _arrow(con.sql(_MERGE))
    finally:
        con.close()
    return conform(result)


def daily_rollup(hourly: pa.Table) -> pa.Table:
    """The same rollup one level up: ``hour`` set to 00:00 UTC of its day, rows merged.

    Same schema and grain but the hour, so long time ranges read ~24x fewer rows at the
    sample's cardinality (docs/rollups.md).
    """
    midnight = pc.cast(hourly.column("day"), pa.timestamp("us", tz="UTC"))
    return merge_rollups(hourly.set_column(ROLLUP_SCHEMA.get_field_index("hour"),
                                           ROLLUP_SCHEMA.field("hour"), midnight))


def models_rollup(daily: pa.Table) -> pa.Table:
    """The model cube (``ROLLUP_MODELS_SCHEMA``) of daily rollup rows: the same rows merged
    without ``hour``, ``account_id``, ``caller`` and ``operation``.

    The dropped columns are set to one value per day (``hour`` already is 00:00 of ``day`` in
    daily rows, the others NULL) and the rows go through :func:`merge_rollups`, the one merge:
    sums add, min/max combine, sketches are summed per bucket.
    """
    rows = conform(daily)
    midnight = pc.cast(rows.column("day"), pa.timestamp("us", tz="UTC"))
    rows = rows.set_column(ROLLUP_SCHEMA.get_field_index("hour"), ROLLUP_SCHEMA.field("hour"),
                           midnight)
    for name in MODELS_DROPPED:
        if name != "hour":
            field = ROLLUP_SCHEMA.field(name)
            rows = rows.set_column(ROLLUP_SCHEMA.get_field_index(name), field,
                                   pa.nulls(rows.num_rows, field.type))
    return conform_models(merge_rollups(rows))


# The sketch table's rows: the daily rows' latency and first-byte sketches merged per
# day x model x served x requested mode (model_id only where no base model is known), counts
# summed per bucket and sorted by bucket as _MERGE stores them; NULL sketch when no value.
_SKETCHES = """
WITH merged AS MATERIALIZED (
    SELECT
        row_number() OVER () AS rid,
        day, model, CASE WHEN model IS NULL THEN model_id END AS model_id,
        requested_latency, served_latency,
        CAST(sum(latency_ms_count) AS BIGINT) AS latency_ms_count,
        flatten(list(latency_ms_sketch)) AS latency_ms_all,
        CAST(sum(first_byte_ms_count) AS BIGINT) AS first_byte_ms_count,
        flatten(list(first_byte_ms_sketch)) AS first_byte_ms_all
    FROM daily
    GROUP BY ALL
),
latency AS (
    SELECT rid, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (
        SELECT rid, e.bucket AS bucket, CAST(sum(e.n) AS BIGINT) AS n
        FROM merged, unnest(latency_ms_all) AS t(e) GROUP BY rid, e.bucket
    ) GROUP BY rid
),
first_byte AS (
    SELECT rid, list({'bucket': bucket, 'n': n} ORDER BY bucket) AS sketch
    FROM (
        SELECT rid, e.bucket AS bucket, CAST(sum(e.n) AS BIGINT) AS n
        FROM merged, unnest(first_byte_ms_all) AS t(e) GROUP BY rid, e.bucket
    ) GROUP BY rid
)
SELECT
    m.day, m.model_id, m.model, m.requested_latency, m.served_latency,
    m.latency_ms_count, l.sketch AS latency_ms_sketch,
    m.first_byte_ms_count, f.sketch AS first_byte_ms_sketch
FROM merged AS m
LEFT JOIN latency AS l USING (rid)
LEFT JOIN first_byte AS f USING (rid)
ORDER BY ALL
"""


def sketches_rollup(daily: pa.Table) -> pa.Table:
    """The sketch table (``ROLLUP_SKETCHES_SCHEMA``) of daily rollup rows: their latency and
    first-byte sketches merged per day x model x served x requested mode."""
    con = connect()
    try:
        con.register("daily", conform(daily))
        result = _arrow(con.sql(_SKETCHES))
    finally:
        con.close()
    return conform_to(result, ROLLUP_SKETCHES_SCHEMA)


def conform_to(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table``'s ``schema`` columns in order, cast to its types (sketch lists rebuilt, as
    :func:`conform` does)."""
    columns = []
    for field in schema:
        column = table.column(field.name)
        if column.type != field.type and pa.types.is_list(field.type) \
                and pa.types.is_struct(field.type.value_type):
            column = pa.chunked_array([_list_of_struct(c, field.type) for c in column.chunks],
                                      type=field.type)
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def conform_models(table: pa.Table) -> pa.Table:
    """``table``'s ROLLUP_MODELS_SCHEMA columns, as :func:`conform` does for the rollup."""
    full = conform(_with_dropped(table))
    return pa.Table.from_arrays([full.column(f.name) for f in ROLLUP_MODELS_SCHEMA],
                                schema=ROLLUP_MODELS_SCHEMA)


def _with_dropped(table: pa.Table) -> pa.Table:
    """A cube table padded with the dropped columns (conform checks the others)."""
    for name in MODELS_DROPPED:
        if name not in table.column_names:
            field = ROLLUP_SCHEMA.field(name)
            if name == "hour":
                column = pc.cast(table.column("day"), field.type)
            else:
                column = pa.nulls(table.num_rows, field.type)
            table = table.append_column(field, column)
    return table


def connect(config: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose hours are UTC hours (``config``: DuckDB settings)."""
    con = duckdb.connect(":memory:", config=dict(config or {}))
    # Hours are UTC hours whatever the host's zone (date_trunc follows the session's zone).
    con.execute("SET TimeZone = 'UTC'")
    return con


def _arrow(relation: duckdb.DuckDBPyRelation | None) -> pa.Table:
    if relation is None:
        raise RuntimeError("the rollup query returned no relation")
    return relation.to_arrow_table()


def conform(table: pa.Table | pa.RecordBatch) -> pa.Table:
    """``table``'s ROLLUP_SCHEMA columns in the declared order, cast to the schema's types
    and nullability (fails loudly on a mismatch). Sketch lists are rebuilt rather
    than cast: pyarrow 18 (the floor) refuses to cast a struct's nullable children to the schema's
    non-nullable ``bucket``/``n`` even when they hold no null."""
    columns = []
    for field in ROLLUP_SCHEMA:
        column = table.column(field.name)
        if isinstance(column, pa.Array):
            column = pa.chunked_array([column], type=column.type)
        if column.type != field.type and pa.types.is_list(field.type) \
                and pa.types.is_struct(field.type.value_type):
            column = pa.chunked_array([_list_of_struct(c, field.type) for c in column.chunks],
                                      type=field.type)
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=ROLLUP_SCHEMA)


def _list_of_struct(chunk: pa.Array, target: pa.ListType) -> pa.Array:
    if pa.types.is_large_list(chunk.type):
        chunk = chunk.cast(pa.list_(chunk.type.value_type))
    struct_type = target.value_type
    values = chunk.values  # the whole child, which the (possibly sliced) offsets index
    children = [child.cast(f.type) for child, f in zip(values.flatten(), struct_type,
                                                        strict=True)]
    rebuilt = pa.StructArray.from_arrays(children, fields=list(struct_type))
    return pa.ListArray.from_arrays(chunk.offsets, rebuilt, type=target, mask=chunk.is_null())
