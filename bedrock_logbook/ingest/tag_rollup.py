"""The per-day tag rollup: request counts and token sums per ``requestMetadata`` tag.

No other rollup keeps ``request_metadata`` (open-ended keys and values would multiply the
main grain), so cost by tag, the tag keys and the untagged share of spend need this table
(docs/rollups.md). One row per UTC day x tag key x tag value x every column the sidebar
filters by x the pricing keys of the main rollup (so cost is computed at query time, exactly,
as ``rollup_cost`` does for the main rollup); a request with k tags is in k rows, a request
without tags in one row whose ``tag_key`` and ``tag_value`` are NULL (the untagged spend is
then the rows with a NULL key). Built from a day's deduplicated raw rows; the writer keeps it
as one more per-day derived table beside the rollups (ingest/rollup_tables.DERIVED_TABLES);
the Spend page's tag panels read it (queries/sql/rollup_tags_daily_live.sql,
rollup_tags_cost.sql). Pure: Arrow in, Arrow out, in an in-memory DuckDB.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from bedrock_logbook.ingest.rollup_schema import PROMPT_BANDS
from bedrock_logbook.lake.location import TAG_ROLLUP_TABLE as TAG_ROLLUP_TABLE

TAG_ROLLUP_SCHEMA_VERSION = 1

_TOKENS = pa.decimal128(38, 0)
_GRAIN: tuple[tuple[str, pa.DataType, bool], ...] = (
    ("day", pa.date32(), False),
    ("tag_key", pa.string(), True),
    ("tag_value", pa.string(), True),
    ("account_id", pa.string(), True),
    ("region", pa.string(), True),
    ("inference_region", pa.string(), True),
    ("cross_region", pa.bool_(), True),
    ("operation", pa.string(), True),
    ("model_id", pa.string(), True),
    ("model", pa.string(), True),
    ("model_id_kind", pa.string(), True),
    ("profile_scope", pa.string(), True),
    ("caller", pa.string(), True),
    ("requested_latency", pa.string(), True),
    ("served_latency", pa.string(), True),
    ("service_tier", pa.string(), True),
    ("prompt_band", pa.int64(), False),
    ("tokens_missing", pa.bool_(), False),
    ("cache_read_used", pa.bool_(), False),
    ("cache_write_5m_used", pa.bool_(), False),
    ("cache_write_1h_used", pa.bool_(), False),
)
_MEASURES: tuple[tuple[str, pa.DataType, bool], ...] = (
    ("requests", pa.int64(), False),
    ("errors", pa.int64(), False),
    ("input_tokens", _TOKENS, True),
    ("output_tokens", _TOKENS, True),
    ("cache_read_tokens", _TOKENS, True),
    ("cache_write_tokens", _TOKENS, True),
    ("billed_cache_write_5m_tokens", _TOKENS, False),
    ("billed_cache_write_1h_tokens", _TOKENS, False),
)
TAG_ROLLUP_SCHEMA = pa.schema(
    [pa.field(name, type_, nullable=nullable) for name, type_, nullable in _GRAIN + _MEASURES],
    metadata={b"bedrock_logbook.tag_rollup_schema_version": str(
        TAG_ROLLUP_SCHEMA_VERSION).encode()},
)

# The pricing keys are the main rollup's (ingest/rollup.py): same prompt bands, the same
# billed cache-write split, tokens_missing for a success logged without token counts.
_BUILD = """
WITH src AS (
    SELECT
        *,
        CAST(CAST(ts AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS DATE) AS day,
        CAST(coalesce(input_tokens, 0) AS HUGEINT) + coalesce(cache_read_tokens, 0)
            + coalesce(cache_write_tokens, 0) AS prompt_tokens,
        CAST(CASE
            WHEN cache_write_5m_tokens IS NULL AND cache_write_1h_tokens IS NULL
                THEN coalesce(cache_write_tokens, 0)
            ELSE coalesce(cache_write_5m_tokens, 0)
        END AS BIGINT) AS billed_5m,
        CAST(coalesce(cache_write_1h_tokens, 0) AS BIGINT) AS billed_1h
    FROM invocations
),
tagged AS (
    SELECT s.*, tag.key AS tag_key, tag.value AS tag_value
    FROM (
        SELECT *, unnest(map_entries(request_metadata)) AS tag
        FROM src
        WHERE request_metadata IS NOT NULL AND cardinality(request_metadata) > 0
    ) AS s
    UNION ALL BY NAME
    SELECT *, CAST(NULL AS VARCHAR) AS tag_key, CAST(NULL AS VARCHAR) AS tag_value
    FROM src
    WHERE request_metadata IS NULL OR cardinality(request_metadata) = 0
)
SELECT
    day, tag_key, tag_value, account_id, region, inference_region, cross_region, operation,
    model_id, model, model_id_kind, profile_scope, caller, requested_latency, served_latency,
    service_tier,
    CAST(list_max(list_filter($bands, lambda band: band <= prompt_tokens)) AS BIGINT)
        AS prompt_band,
    error_code IS NULL AND (input_tokens IS NULL OR output_tokens IS NULL) AS tokens_missing,
    coalesce(cache_read_tokens, 0) > 0 AS cache_read_used,
    billed_5m > 0 AS cache_write_5m_used,
    billed_1h > 0 AS cache_write_1h_used,
    count(*) AS requests,
    count(error_code) AS errors,
    CAST(sum(input_tokens) AS DECIMAL(38, 0)) AS input_tokens,
    CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens,
    CAST(sum(cache_read_tokens) AS DECIMAL(38, 0)) AS cache_read_tokens,
    CAST(sum(cache_write_tokens) AS DECIMAL(38, 0)) AS cache_write_tokens,
    CAST(sum(billed_5m) AS DECIMAL(38, 0)) AS billed_cache_write_5m_tokens,
    CAST(sum(billed_1h) AS DECIMAL(38, 0)) AS billed_cache_write_1h_tokens
FROM tagged
GROUP BY ALL
ORDER BY ALL
"""


def build_tag_rollup(invocations: pa.Table) -> pa.Table:
    """The tag rollup (``TAG_ROLLUP_SCHEMA``) of invocation rows.

    ``invocations`` has the raw table's columns (``schema.INVOCATIONS_SCHEMA``; others are
    ignored), one row per request_id: deduplicate before, the rollup counts what it is given.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("invocations", invocations)
        return build_tag_rollup_in(con)
    finally:
        con.close()


def build_tag_rollup_in(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """:func:`build_tag_rollup` of the relation named ``invocations`` in ``con`` (the writer's
    view over one day's Parquet files: DuckDB streams them instead of the refresh holding the
    day's raw rows as Arrow, ~750 bytes a row). ``con``'s time zone must be UTC (as
    ``rollup.connect`` sets it)."""
    relation = con.sql(_BUILD, params={"bands": list(PROMPT_BANDS)})
    if relation is None:
        raise RuntimeError("the tag rollup query returned no relation")
    result = relation.to_arrow_table()
    return pa.Table.from_arrays(
        [result.column(f.name).cast(f.type) for f in TAG_ROLLUP_SCHEMA],
        schema=TAG_ROLLUP_SCHEMA)


# What each column means, for docs/tag-rollup.md (tag_rollup_doc).
_COLUMN_DOCS: dict[str, str] = {
    "day": "UTC day of the requests (partition: identity)",
    "tag_key": "a `requestMetadata` key of the requests; NULL: requests without any tag",
    "tag_value": "its value; NULL with a NULL key",
    "prompt_band": "the largest `PROMPT_BANDS` threshold <= prompt tokens (input + cache "
                   "read + cache write): a bound of every price tier, as in the rollups",
    "tokens_missing": "succeeded without token counts in the log (unpriced)",
    "cache_read_used": "cache read tokens > 0",
    "cache_write_5m_used": "billed 5-minute cache write tokens > 0",
    "cache_write_1h_used": "1-hour cache write tokens > 0",
    "requests": "requests (a request with k tags counts once in each of its k rows)",
    "errors": "requests with an error code",
    "billed_cache_write_5m_tokens": "cache writes billed at the 5-minute rate (all of them "
                                    "when the log has no TTL split)",
    "billed_cache_write_1h_tokens": "cache writes billed at the 1-hour rate",
}


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    return {"string": "VARCHAR", "int64": "BIGINT", "bool": "BOOLEAN",
            "date32[day]": "DATE"}[str(t)]


def tag_rollup_doc() -> str:
    """docs/tag-rollup.md (scripts/gen_docs.py; tests/test_raw_panels_tag_rollup.py keeps
    them equal)."""
    grain = {name for name, _, _ in _GRAIN}
    lines = [
        f"# `{TAG_ROLLUP_TABLE}`: spend by requestMetadata tag (version "
        f"{TAG_ROLLUP_SCHEMA_VERSION})",
        "",
        "<!-- Generated from bedrock_logbook/ingest/tag_rollup.py by scripts/gen_docs.py; "
        "do not edit. -->",
        "",
        "What the Spend page's tag panels (`tag_keys`, `cost_by_metadata`, the untagged "
        "share of `spend_shares_daily`) read instead of raw rows. One row per UTC day x tag "
        "key x tag value x every column the sidebar filters by x the main rollup's pricing "
        "keys; a request with k tags is in k rows, a request without tags in one row with a "
        "NULL `tag_key`. Built per day from that day's deduplicated raw rows "
        "(`build_tag_rollup`), refreshed with the rollups (same dirty days, `rollup_of` "
        "snapshot property). Cost is not stored: `rollup_tags_cost` prices the token sums "
        "at query time through `rate_tiers`, so a price override applies to the past.",
        "",
        "Readers: `rollup_tags_daily` (the table, typed and empty when absent), "
        "`rollup_tags_daily_live` (the table when its `rollup_of` is the raw snapshot read, "
        "else the same rows computed from `raw_invocations`) and `rollup_tags_cost` (priced).",
        "",
        "| column | type | null? | meaning |",
        "|---|---|---|---|",
    ]
    for f in TAG_ROLLUP_SCHEMA:
        role = "grain" if f.name in grain else "measure"
        meaning = _COLUMN_DOCS.get(f.name, "as the raw table's column of this name"
                                   if role == "grain" else "sum of the raw column")
        lines.append(f"| `{f.name}` | {_type_name(f.type)} | "
                     f"{'yes' if f.nullable else 'no'} | {role}: {meaning} |")
    return "\n".join(lines) + "\n"
