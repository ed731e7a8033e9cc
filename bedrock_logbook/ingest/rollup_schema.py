"""The hourly rollup table, declared once: its grain, its measures and the latency sketch.

The rollup answers the dashboard's questions without scanning raw rows: counts, token sums
per token class (cost is computed at query time from these sums and the price table, so a
price override applies to the past without a rebuild) and mergeable distributions of
latency, time to first byte and decode speed. Every measure is a sum, a min/max or a bucket
histogram, so rollup rows of any filter and time range merge into the exact rollup of their
union (docs/rollups.md).

Bump ``ROLLUP_SCHEMA_VERSION`` on any change that old readers could misread: a renamed or
re-meant column, another sketch accuracy, other prompt bands. The rollup is derived data: a
new version is rebuilt from the raw table, never migrated.

The sketch is DDSketch's logarithmic mapping (Masson, Rim, Lee, VLDB 2019): bucket
``k = ceil(ln(x) / ln(gamma))`` holds ``(gamma^(k-1), gamma^k]`` with
``gamma = (1 + a) / (1 - a)``, and stands for ``2 gamma^k / (gamma + 1)``, which is within a
relative ``a`` of every value in the bucket. The same formula is the DuckDB macro
``sketch_bucket`` (queries/sql/sketch_bucket.sql); tests/test_rollup_sketch.py checks that
they agree value for value.
"""

from __future__ import annotations

import math

import pyarrow as pa

from bedrock_logbook.ingest.schema import Column

# Re-exported: the table names live in the shared lake package, which readers may import.
from bedrock_logbook.lake.location import ROLLUP_DAILY_TABLE as ROLLUP_DAILY_TABLE
from bedrock_logbook.lake.location import ROLLUP_HOURLY_TABLE as ROLLUP_HOURLY_TABLE
from bedrock_logbook.lake.location import ROLLUP_MODELS_TABLE as ROLLUP_MODELS_TABLE
from bedrock_logbook.lake.location import ROLLUP_SKETCHES_TABLE as ROLLUP_SKETCHES_TABLE

ROLLUP_SCHEMA_VERSION = 1
# Two tables of this one schema: hourly rows, and the same merged per day (hour = 00:00 UTC)
# for long time ranges (ingest/rollup.daily_rollup).
ROLLUP_TABLE = ROLLUP_HOURLY_TABLE

# Relative accuracy of every percentile read from the sketches (1%).
SKETCH_ALPHA = 0.01
SKETCH_GAMMA = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA)
SKETCH_LN_GAMMA = math.log(SKETCH_GAMMA)
# Zero has no logarithm: it gets a bucket of its own, below every other bucket (the most
# negative bucket of a positive double, 5e-324, is about -37,300), and stands for exactly 0.
ZERO_BUCKET = -(2**31)

# Lower bounds of the prompt-size bands (prompt tokens = input + cache read + cache write).
# A price tier applies from a min_prompt_tokens threshold on (docs/prices.md): as long as every
# threshold of the price table is one of these bounds, every request of a band falls in the
# same tier, so cost from rollup sums equals the sum of per-request costs. Thresholds come
# only from the packaged prices (genai-prices: 100,001 and 272,001 tokens today; a user price
# file has no min_prompt_tokens column): tests/test_rollup_build.py fails when a genai-prices
# upgrade brings one that is not listed here (add it and bump ROLLUP_SCHEMA_VERSION).
PROMPT_BANDS: tuple[int, ...] = (0, 100_001, 128_001, 200_001, 272_001, 500_001, 1_000_001)

# Error codes counted as throttles (Bedrock's throttle error).
THROTTLE_CODES: tuple[str, ...] = ("ThrottlingException",)

# The measured distributions: raw column -> rollup column prefix.
DISTRIBUTIONS: tuple[str, ...] = ("latency_ms", "first_byte_ms", "output_tokens_per_s")

_STR = pa.string()
_I64 = pa.int64()
_F64 = pa.float64()
_BOOL = pa.bool_()
# Token sums as DECIMAL(38, 0): a sum of BIGINT counts of one hour can exceed 2^63 with
# hostile input (the parser accepts any count up to 2^63 - 1); the rollup must not fail there.
_TOKENS = pa.decimal128(38, 0)
SKETCH_TYPE = pa.list_(pa.struct([
    pa.field("bucket", pa.int32(), nullable=False),
    pa.field("n", _I64, nullable=False),
]))

GRAIN_COLUMNS: tuple[Column, ...] = (
    Column("hour", pa.timestamp("us", tz="UTC"), "Start of the UTC hour of the invocations "
           "(00:00 of the day in `rollup_daily`).", False),
    Column("day", pa.date32(), "UTC date of `hour` (the partition: one day's rows are "
           "replaced together).", False),
    Column("account_id", _STR, "As in the raw table."),
    Column("region", _STR, "Source Region (prices are keyed by it)."),
    Column("inference_region", _STR, "Where the requests were served."),
    Column("cross_region", _BOOL, "As in the raw table."),
    Column("operation", _STR, "Converse, ConverseStream, InvokeModel or "
           "InvokeModelWithResponseStream."),
    Column("model_id", _STR, "`modelId` as logged; `model`, `model_id_kind` and "
           "`profile_scope` follow from it, so they add no rows."),
    Column("model", _STR, "Base model ID (prices are keyed by it)."),
    Column("model_id_kind", _STR, "As in the raw table (names why an unpriced model is "
           "unknown)."),
    Column("profile_scope", _STR, "Profile geography or 'application'; NULL for direct calls."),
    Column("caller", _STR, "Short principal (user or role name); `caller_arn` is not kept: "
           "assumed-role session names would make a row per session."),
    Column("requested_latency", _STR, "'standard' or 'optimized'."),
    Column("served_latency", _STR, "'standard', 'optimized' or NULL (the billed mode is "
           "coalesce(served, requested, 'standard'), as in the invocations view)."),
    Column("fallback_reason", _STR, "Why an optimized request was served standard, else NULL."),
    Column("service_tier", _STR, "As in the raw table (NULL is the default tier)."),
    Column("error_code", _STR, "NULL for successful calls; latency and decode-speed questions "
           "read the NULL rows."),
    Column("prompt_band", _I64, "Lower bound of the request's prompt-size band "
           "(ingest/rollup_schema.PROMPT_BANDS): picks the price tier.", False),
    Column("tokens_missing", _BOOL, "A successful call logged without input or output token "
           "count (unpriced: such requests are never $0).", False),
    Column("cache_read_used", _BOOL, "cache_read_tokens > 0 (unpriced where the model has no "
           "cache-read rate).", False),
    Column("cache_write_5m_used", _BOOL, "Cache writes billed at the 5-minute rate > 0.", False),
    Column("cache_write_1h_used", _BOOL, "Cache writes billed at the 1-hour rate > 0.", False),
)


def _distribution_columns(name: str) -> tuple[Column, ...]:
    return (
        Column(f"{name}_count", _I64, f"Requests with a `{name}`.", False),
        Column(f"{name}_sum", _F64, f"Sum of `{name}` (NULL when none)."),
        Column(f"{name}_min", _F64, f"Smallest `{name}` (NULL when none)."),
        Column(f"{name}_max", _F64, f"Largest `{name}` (NULL when none)."),
        Column(f"{name}_sketch", SKETCH_TYPE, f"Log-bucketed histogram of `{name}`: "
               "(bucket, n) sorted by bucket, NULL when none."),
    )


MEASURE_COLUMNS: tuple[Column, ...] = (
    Column("requests", _I64, "Invocations (one per request_id).", False),
    Column("errors", _I64, "Invocations with an error_code.", False),
    Column("throttles", _I64, "Invocations whose error_code is a throttle "
           "(rollup_schema.THROTTLE_CODES).", False),
    Column("guardrail_interventions", _I64, "Invocations where a guardrail intervened.", False),
    Column("input_tokens", _TOKENS, "Sum of `input_tokens` (NULL when none was logged)."),
    Column("output_tokens", _TOKENS, "Sum of `output_tokens`."),
    Column("cache_read_tokens", _TOKENS, "Sum of `cache_read_tokens`."),
    Column("cache_write_tokens", _TOKENS, "Sum of `cache_write_tokens`."),
    Column("cache_write_5m_tokens", _TOKENS, "Sum of `cache_write_5m_tokens` as logged."),
    Column("cache_write_1h_tokens", _TOKENS, "Sum of `cache_write_1h_tokens` as logged."),
    Column("billed_cache_write_5m_tokens", _TOKENS, "Cache writes priced at the 5-minute rate: "
           "the 5-minute split when logged, else all cache writes (as the invocations view).",
           False),
    Column("billed_cache_write_1h_tokens", _TOKENS, "Cache writes priced at the 1-hour rate.",
           False),
    *_distribution_columns("latency_ms"),
    *_distribution_columns("first_byte_ms"),
    *_distribution_columns("output_tokens_per_s"),
    # Least-squares moments of latency_ms (y) on output_tokens (x) over requests with both:
    # slope, intercept and r^2 of any merge follow from these sums (decode speed per model).
    Column("fit_n", _I64, "Requests with both latency_ms and output_tokens.", False),
    Column("fit_sum_x", _F64, "Sum of output_tokens over those requests."),
    Column("fit_sum_y", _F64, "Sum of latency_ms over those requests."),
    Column("fit_sum_xx", _F64, "Sum of output_tokens^2."),
    Column("fit_sum_xy", _F64, "Sum of output_tokens * latency_ms."),
    Column("fit_sum_yy", _F64, "Sum of latency_ms^2."),
)

ROLLUP_COLUMNS: tuple[Column, ...] = GRAIN_COLUMNS + MEASURE_COLUMNS
GRAIN: tuple[str, ...] = tuple(c.name for c in GRAIN_COLUMNS)
ROLLUP_SCHEMA = pa.schema(
    [pa.field(c.name, c.type, nullable=c.nullable) for c in ROLLUP_COLUMNS],
    metadata={
        b"bedrock_logbook.rollup_schema_version": str(ROLLUP_SCHEMA_VERSION).encode(),
        b"bedrock_logbook.sketch_alpha": repr(SKETCH_ALPHA).encode(),
        b"bedrock_logbook.prompt_bands": ",".join(map(str, PROMPT_BANDS)).encode(),
    },
)

# The model cube (``rollup_daily_models``): the daily rollup without these grain columns,
# every other column kept with its name and type, rows merged exactly
# (ingest/rollup.models_rollup). Most pages need none of them, and a year of cube rows is a
# fraction of a year of daily rows (docs/rollups.md "The model cube").
MODELS_DROPPED: tuple[str, ...] = ("hour", "account_id", "caller", "operation")
MODELS_COLUMNS: tuple[Column, ...] = tuple(c for c in ROLLUP_COLUMNS
                                           if c.name not in MODELS_DROPPED)
MODELS_GRAIN: tuple[str, ...] = tuple(c for c in GRAIN if c not in MODELS_DROPPED)
ROLLUP_MODELS_SCHEMA = pa.schema([ROLLUP_SCHEMA.field(c.name) for c in MODELS_COLUMNS],
                                 metadata=ROLLUP_SCHEMA.metadata)

# The sketch table (``rollup_daily_sketches``): the latency and first-byte sketches of the
# daily rollup per day x model x served x requested mode only, rows merged exactly
# (ingest/rollup.sketches_rollup). The latency panels' percentiles need no other grain
# column, and a year of it holds ~6x fewer sketch entries than the model cube (4.39M ->
# 0.72M on the 100M-request benchmark lake: docs/rollups.md "The sketch table").
# ``model_id`` is kept only where ``model`` is NULL, so coalesce(model, model_id) (the
# dashboard's model) is the same as on the rollups and adds no rows.
SKETCHES_GRAIN: tuple[str, ...] = ("day", "model", "model_id", "served_latency",
                                   "requested_latency")
SKETCHES_COLUMNS: tuple[Column, ...] = tuple(
    Column("model_id", _STR, "`modelId` as logged where `model` is NULL (no base model "
           "known), else NULL.") if c.name == "model_id" else c
    for c in ROLLUP_COLUMNS
    if c.name in SKETCHES_GRAIN or c.name in ("latency_ms_count", "latency_ms_sketch",
                                              "first_byte_ms_count", "first_byte_ms_sketch"))
ROLLUP_SKETCHES_SCHEMA = pa.schema([ROLLUP_SCHEMA.field(c.name) for c in SKETCHES_COLUMNS],
                                   metadata=ROLLUP_SCHEMA.metadata)


def sketch_bucket(x: float) -> int:
    """The bucket of a value >= 0 (ValueError for a negative value or NaN)."""
    if not x >= 0:
        raise ValueError(f"a sketch holds values >= 0, got {x!r}")
    if x == 0:
        return ZERO_BUCKET
    return math.ceil(math.log(x) / SKETCH_LN_GAMMA)


def sketch_value(bucket: int) -> float:
    """The value a bucket stands for: within SKETCH_ALPHA (relative) of all it holds."""
    if bucket == ZERO_BUCKET:
        return 0.0
    # 2 / (gamma + 1) first: gamma^k alone stays finite for every finite value's bucket.
    return 2 / (SKETCH_GAMMA + 1) * SKETCH_GAMMA**bucket


def prompt_band(prompt_tokens: int) -> int:
    """The band lower bound a request's prompt size falls in."""
    return max(b for b in PROMPT_BANDS if b <= max(prompt_tokens, 0))


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE (UTC)"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if t == SKETCH_TYPE:
        return "LIST(STRUCT(bucket INTEGER, n BIGINT))"
    return {"string": "VARCHAR", "int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN",
            "date32[day]": "DATE"}[str(t)]


def rollup_table_doc(columns: tuple[Column, ...] = ROLLUP_COLUMNS) -> str:
    """The column table of docs/rollups.md (tests/test_rollup_build.py keeps them equal);
    ``MODELS_COLUMNS`` gives the model cube's, ``SKETCHES_COLUMNS`` the sketch table's."""
    lines = ["| column | type | null? | meaning |", "|---|---|---|---|"]
    for c in columns:
        role = "grain" if c.name in GRAIN else "measure"
        lines.append(f"| `{c.name}` | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} "
                     f"| {role}: {c.doc} |")
    return "\n".join(lines)
