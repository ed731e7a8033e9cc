"""The lake schema, declared once.

Everything that writes the lake, every doc that describes it and every test that checks it
reads these declarations. Bump ``LAKE_SCHEMA_VERSION`` on any change that old readers could
misread (a renamed, retyped or re-meant column); adding a nullable column at the end is not
such a change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

LAKE_SCHEMA_VERSION = 1

# Where things live under the lake root. Readers (queries/) use the same relative paths, so
# the lake on disk is the only contract between ingest and queries.
INVOCATIONS_DIR = "invocations"
QUARANTINE_DIR = "quarantine"
STATE_DIR = "_state"
RUNS_DIR = "_runs"
LOCK_FILE = ".lock"
LAKE_META_FILE = "_lake.json"
PARTITION_KEY = "date"


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True


_STR = pa.string()
_I64 = pa.int64()
_F64 = pa.float64()
_TS = pa.timestamp("us", tz="UTC")

INVOCATION_COLUMNS: tuple[Column, ...] = (
    Column("request_id", _STR, "`requestId`; the dedupe key across files and sources.", False),
    Column("ts", _TS, "`timestamp` of the invocation, UTC (the log has second precision).", False),
    Column("account_id", _STR, "`accountId`, kept as text (leading zeros matter)."),
    Column("region", _STR, "`region`: the source Region where the call was made."),
    Column(
        "inference_region",
        _STR,
        "Where the request was served: `inferenceRegion` when logged, else `region`.",
    ),
    Column("cross_region", pa.bool_(), "True when `inferenceRegion` differs from `region`."),
    Column("operation", _STR, "`Converse`, `ConverseStream`, `InvokeModel` or "
           "`InvokeModelWithResponseStream`."),
    Column("model_id", _STR, "`modelId` exactly as logged (ID, profile ID or ARN)."),
    Column("model", _STR, "Base model ID: profile prefix and ARN stripped "
           "(NULL for application-profile and provisioned ARNs, which name no model)."),
    Column("model_id_kind", _STR, "base, system_profile, profile_arn, application_profile_arn, "
           "provisioned_model_arn, foundation_model_arn, custom_model_arn or unknown."),
    Column("profile_scope", _STR, "Profile geography (us, eu, apac, jp, au, ca, us-gov, global "
           "...) or 'application'; NULL for direct calls."),
    Column("caller_arn", _STR, "`identity.arn`."),
    Column("caller", _STR, "Short principal from `identity.arn`: user name or role name."),
    Column("requested_latency", _STR, "'standard' or 'optimized' (default 'standard')."),
    Column("served_latency", _STR, "'standard', 'optimized' or NULL when unknowable."),
    Column("served_latency_source", _STR, "Evidence behind `served_latency` "
           "(see docs/served-latency.md)."),
    Column("served_latency_confidence", _STR, "How sure `served_latency` is: observed, "
           "documented_rule, inferred or unknown (see docs/served-latency.md)."),
    Column("fallback_reason", _STR, "Why an optimized request was served standard, else NULL."),
    Column("latency_quality_flag", _STR, "Data-quality flag on the latency mode (e.g. optimized "
           "requested where AWS does not offer it), else NULL."),
    Column("service_tier", _STR, "`serviceTier` when logged (lower case), else NULL."),
    Column("input_tokens", _I64, "`input.inputTokenCount` (non-cached input tokens)."),
    Column("output_tokens", _I64, "`output.outputTokenCount`."),
    Column("cache_read_tokens", _I64, "`input.cacheReadInputTokenCount`; NULL when not logged."),
    Column("cache_write_tokens", _I64, "`input.cacheWriteInputTokenCount`; NULL when not logged."),
    Column("cache_write_5m_tokens", _I64, "Cache-write tokens with a 5-minute TTL, when the log "
           "splits them by TTL; else NULL."),
    Column("cache_write_1h_tokens", _I64, "Cache-write tokens with a 1-hour TTL, when the log "
           "splits them by TTL; else NULL."),
    Column("max_output_tokens", _I64, "The request's maximum output tokens (maxTokens, "
           "max_tokens, max_gen_len ...) when logged, else NULL."),
    Column("latency_ms", _I64, "Server-side latency: Converse `metrics.latencyMs` or stream "
           "`invocationLatency`; NULL when the log carries none (never 0)."),
    Column("first_byte_ms", _I64, "`firstByteLatency` of streamed InvokeModel calls, else NULL."),
    Column("output_tokens_per_s", _F64, "output_tokens * 1000 / latency_ms; NULL without both."),
    Column("stop_reason", _STR, "Stop reason from the response body, whatever the API."),
    Column("error_code", _STR, "`errorCode` of failed calls, else NULL."),
    Column("guardrail_action", _STR, "'INTERVENED' when a guardrail intervened, else NULL."),
    Column("request_metadata", pa.map_(_STR, _STR), "`requestMetadata` tags (caller-supplied)."),
    Column("input_body_bytes", _I64, "Size of the logged request body JSON; NULL when absent."),
    Column("output_body_bytes", _I64, "Size of the logged response body JSON; NULL when absent."),
    Column("input_body_s3_path", _STR, "`input.inputBodyS3Path` when the body was offloaded."),
    Column("output_body_s3_path", _STR, "`output.outputBodyS3Path` when the body was offloaded."),
    Column("system_prompt_fp", _STR, "Salted SHA-256 (16 hex) of the system prompt, or NULL."),
    Column("prompt_fp", _STR, "Salted SHA-256 (16 hex) of the whole prompt: pairs identical "
           "requests across modes without storing them."),
    Column("schema_version", _STR, "`schemaVersion` of the log record."),
    Column("source", _STR, "Where the record was read: file path, s3:// URI or cloudwatch:// URI."),
    Column("source_line", _I64, "Line number in the source object (event index for CloudWatch)."),
    Column("input_body_json", _STR, "Request body JSON; only with --keep-bodies."),
    Column("output_body_json", _STR, "Response body JSON; only with --keep-bodies."),
)

QUARANTINE_COLUMNS: tuple[Column, ...] = (
    Column("source", _STR, "File path, s3:// URI or cloudwatch:// URI of the input.", False),
    Column("source_line", _I64, "Line (or event index) in the source; NULL for whole objects."),
    Column("reason", _STR, "Short machine-readable reason, e.g. malformed_json.", False),
    Column("detail", _STR, "Human-readable explanation."),
    Column("request_id", _STR, "`requestId` when it could be read."),
    Column("raw", _STR, "The line as read (truncated at 1 MiB); only with --keep-bodies, "
           "since a line holds prompt and response text."),
    Column("byte_offset", _I64, "Where the line starts in the (decompressed) object."),
    Column("line_fp", _STR, "Salted SHA-256 (16 hex) of the line's bytes: finds the line in "
           "its file without storing it."),
    Column("envelope", _STR, "JSON of the line's readable top-level fields that are not prompt "
           "or response (timestamp, accountId, region, operation, modelId, schemaVersion, "
           "errorCode; short values only)."),
    Column("folded_lines", _I64, "On a `folded` entry: how many more quarantined lines of the "
           "object it stands for (an object stores at most 1,000 entries); else NULL."),
)


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    meta = {b"bedrock_logbook.schema_version": str(LAKE_SCHEMA_VERSION).encode()}
    return pa.schema(
        [pa.field(c.name, c.type, nullable=c.nullable) for c in columns], metadata=meta
    )


INVOCATIONS_SCHEMA = arrow_schema(INVOCATION_COLUMNS)
QUARANTINE_SCHEMA = arrow_schema(QUARANTINE_COLUMNS)


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE (UTC)"
    if pa.types.is_map(t):
        return "MAP(VARCHAR, VARCHAR)"
    return {
        "string": "VARCHAR",
        "int64": "BIGINT",
        "double": "DOUBLE",
        "bool": "BOOLEAN",
    }.get(str(t), str(t))


def markdown_table(columns: tuple[Column, ...]) -> str:
    """The column table used by docs/lake-schema.md (generated, checked by a test)."""
    lines = ["| column | type | null? | meaning |", "|---|---|---|---|"]
    for c in columns:
        lines.append(
            f"| `{c.name}` | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} | {c.doc} |"
        )
    return "\n".join(lines)


def schema_doc() -> str:
    return (
        f"# Lake schema (version {LAKE_SCHEMA_VERSION})\n\n"
        "Generated from `ingest/schema.py` by `make docs` (also `bedrock-logbook schema-doc`); "
        "do not edit by hand.\n\n"
        "Layout (a local folder or `s3://BUCKET/PREFIX`, the same on both): "
        f"`<lake>/{INVOCATIONS_DIR}/` is an Apache Iceberg table (format version 2, "
        "partitioned by `day(ts)`, the UTC day; data files under `data/ts_day=YYYY-MM-DD/`, "
        "metadata under `metadata/`; docs/iceberg.md), recorded in a catalog: a SQLite file "
        "`<lake>/_catalog.sqlite` for a local lake, AWS Glue (database `bedrock_logbook`) for "
        "an `s3://` lake, or the one `--catalog` names. Beside it, written once under unique "
        f"names: `<lake>/{QUARANTINE_DIR}/part-<digest>.parquet`, run records in "
        f"`<lake>/{RUNS_DIR}/`, ingest state in `<lake>/{STATE_DIR}/`.\n\n"
        "## `invocations` — one row per `requestId`\n\n"
        f"{markdown_table(INVOCATION_COLUMNS)}\n\n"
        "## `quarantine` — one row per input line or object that could not be used\n\n"
        f"{markdown_table(QUARANTINE_COLUMNS)}\n"
    )
