"""Same-day prompt pairs: the table ``prompt_pairs_daily``, declared once, and its builder.

"Is latency-optimized faster for the same prompt?" compares identical prompts (``prompt_fp``)
run in both modes. No rollup keeps ``prompt_fp`` (one row per prompt would make it as wide as
the raw table), so the Modes page read raw rows. This table keeps only what the paired
comparison needs: per UTC day, model, prompt and billed latency mode, the successful calls with
a latency and their sums, and only for the (day, model, prompt) run in BOTH modes that day.

A pair is therefore "run both ways on the same UTC day": a prompt run standard on Monday and
optimized on Tuesday is not a pair (the exact whole-lake pairing stays the
``mode_prompt_pairs`` view over the raw rows). Restricting pairs to one day is what makes the
table buildable from one day's raw rows alone, so the writer refreshes it per dirty day like
the rollups, and every measure is a count or a sum: rows of several days merge by summing.

``build_prompt_pairs`` is pure: Arrow in (one UTC day's deduplicated raw rows, the raw
table's schema; several days work too, each day is paired on its own), Arrow out. Bump
``PROMPT_PAIRS_SCHEMA_VERSION`` on any change old readers could misread; the table is derived
data, rebuilt from the raw table, never migrated.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from bedrock_logbook.ingest.schema import Column

# Re-exported: the table name lives in the shared lake package, which readers may import.
from bedrock_logbook.lake.location import PROMPT_PAIRS_TABLE as PROMPT_PAIRS_TABLE

PROMPT_PAIRS_SCHEMA_VERSION = 1
# The two billed latency modes a pair compares.
MODES: tuple[str, ...] = ("standard", "optimized")

_STR = pa.string()
_I64 = pa.int64()
_F64 = pa.float64()
_TOKENS = pa.decimal128(38, 0)  # as the rollups: a day's sum of hostile counts must not fail

GRAIN_COLUMNS: tuple[Column, ...] = (
    Column("day", pa.date32(), "UTC date of the calls (the partition: one day's rows are "
           "replaced together).", False),
    Column("model", _STR, "Base model ID.", False),
    Column("prompt_fp", _STR, "Salted fingerprint of the whole prompt (as in the raw table).",
           False),
    Column("latency_mode", _STR, "Billed latency mode, 'standard' or 'optimized': "
           "coalesce(served_latency, requested_latency, 'standard'), as the invocations view.",
           False),
)
MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("calls", _I64, "Successful calls (no error_code) with a latency_ms.", False),
    Column("latency_ms_sum", _F64, "Sum of latency_ms over those calls.", False),
    Column("output_tokens_count", _I64, "Those calls with an output_tokens count.", False),
    Column("output_tokens_sum", _TOKENS, "Sum of output_tokens over those calls (NULL when "
           "none was logged)."),
    Column("first_byte_ms_count", _I64, "Those calls with a first_byte_ms (streamed "
           "InvokeModel).", False),
    Column("first_byte_ms_sum", _F64, "Sum of first_byte_ms over those calls (NULL when "
           "none)."),
)
PROMPT_PAIRS_COLUMNS: tuple[Column, ...] = GRAIN_COLUMNS + MEASURE_COLUMNS
GRAIN: tuple[str, ...] = tuple(c.name for c in GRAIN_COLUMNS)
PROMPT_PAIRS_SCHEMA = pa.schema(
    [pa.field(c.name, c.type, nullable=c.nullable) for c in PROMPT_PAIRS_COLUMNS],
    metadata={b"bedrock_logbook.prompt_pairs_schema_version":
              str(PROMPT_PAIRS_SCHEMA_VERSION).encode()},
)

# The reader's live fallback (queries/sql/prompt_pairs_live.sql) is this query over
# raw_invocations; tests/test_prompt_pairs_views.py checks both give the same rows.
_BUILD = """
WITH ok AS (
    SELECT
        CAST(ts AT TIME ZONE 'UTC' AS DATE) AS day,
        CAST(model AS VARCHAR) AS model,
        CAST(prompt_fp AS VARCHAR) AS prompt_fp,
        CAST(coalesce(served_latency, requested_latency, 'standard') AS VARCHAR)
            AS latency_mode,
        latency_ms, output_tokens, first_byte_ms
    FROM invocations
    WHERE model IS NOT NULL AND prompt_fp IS NOT NULL AND latency_ms IS NOT NULL
        AND error_code IS NULL
),
per_mode AS (
    SELECT
        day, model, prompt_fp, latency_mode,
        CAST(count(*) AS BIGINT) AS calls,
        sum(CAST(latency_ms AS DOUBLE)) AS latency_ms_sum,
        CAST(count(output_tokens) AS BIGINT) AS output_tokens_count,
        CAST(sum(output_tokens) AS DECIMAL(38, 0)) AS output_tokens_sum,
        CAST(count(first_byte_ms) AS BIGINT) AS first_byte_ms_count,
        sum(CAST(first_byte_ms AS DOUBLE)) AS first_byte_ms_sum
    FROM ok
    WHERE latency_mode IN ('standard', 'optimized')
    GROUP BY day, model, prompt_fp, latency_mode
)
SELECT *
FROM per_mode
-- Both modes that same day: two rows per (day, model, prompt_fp).
QUALIFY count(*) OVER (PARTITION BY day, model, prompt_fp) = 2
ORDER BY day, model, prompt_fp, latency_mode
"""


def build_prompt_pairs(invocations: pa.Table) -> pa.Table:
    """The ``prompt_pairs_daily`` rows (``PROMPT_PAIRS_SCHEMA``) of one UTC day's raw rows.

    ``invocations`` has the raw table's columns (``schema.INVOCATIONS_SCHEMA``; only ``ts``,
    ``model``, ``prompt_fp``, ``served_latency``, ``requested_latency``, ``error_code``,
    ``latency_ms``, ``output_tokens`` and ``first_byte_ms`` are read), one row per request_id:
    deduplicate before, the builder counts what it is given. Rows of several days are paired
    day by day.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("invocations", invocations)
        return build_prompt_pairs_in(con)
    finally:
        con.close()


def build_prompt_pairs_in(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """:func:`build_prompt_pairs` of the relation named ``invocations`` in ``con`` (e.g. the
    writer's view over one day's Parquet files, as ``rollup.build_rollup_in``: DuckDB then
    streams them instead of holding Arrow rows). The day is taken at UTC whatever ``con``'s
    time zone."""
    relation = con.sql(_BUILD)
    return conform(relation.to_arrow_table())


def conform(table: pa.Table) -> pa.Table:
    """``table``'s ``PROMPT_PAIRS_SCHEMA`` columns in the declared order, cast to its types
    and nullability (fails loudly on a mismatch)."""
    columns = [table.column(f.name).cast(f.type) for f in PROMPT_PAIRS_SCHEMA]
    return pa.Table.from_arrays(columns, schema=PROMPT_PAIRS_SCHEMA)


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    return {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE",
            "date32[day]": "DATE"}[str(t)]


def prompt_pairs_doc() -> str:
    """docs/prompt-pairs.md (scripts/gen_docs.py; tests/core/test_prompt_pairs_build.py keeps
    them equal)."""
    lines = [
        f"# `{PROMPT_PAIRS_TABLE}`: same-day prompt pairs (version "
        f"{PROMPT_PAIRS_SCHEMA_VERSION})",
        "",
        "<!-- Generated from bedrock_logbook/ingest/prompt_pairs.py by scripts/gen_docs.py; "
        "do not edit. -->",
        "",
        "What the Modes page's paired comparison (\"is optimized faster for the same "
        "prompt?\") reads instead of raw rows. One row per UTC day x model x `prompt_fp` x "
        "billed latency mode, only for the (day, model, prompt) that had successful calls "
        "with a latency in BOTH modes that same UTC day: a pair is a prompt run both ways on "
        "the same UTC day (a prompt run standard one day and optimized the next is not one). "
        "Built per day from that day's deduplicated raw rows (`build_prompt_pairs`), refreshed "
        "with the rollups (same dirty days, `rollup_of` snapshot property); every measure is a "
        "count or a sum, so several days merge by summing.",
        "",
        "Readers: `prompt_pairs_daily` (the table, typed and empty when absent), "
        "`prompt_pairs_live` (the table when its `rollup_of` is the raw snapshot read, else the "
        "same rows computed from `raw_invocations`), `prompt_pairs_same_day` (per model x "
        "prompt: `prompt_pairs_same_day_of` over `prompt_pairs_live`, served from the "
        "connection's memo `lake_prompt_pairs` while the table is current) and "
        "`prompt_pairs_by_model` (per model). The exact whole-lake pairing stays "
        "the `mode_prompt_pairs` view over the raw rows.",
        "",
        "| column | type | null? | meaning |",
        "|---|---|---|---|",
    ]
    for c in PROMPT_PAIRS_COLUMNS:
        role = "grain" if c in GRAIN_COLUMNS else "measure"
        lines.append(f"| `{c.name}` | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} "
                     f"| {role}: {c.doc} |")
    return "\n".join(lines) + "\n"
