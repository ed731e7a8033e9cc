"""One ModelInvocationLog line (bytes) → one typed row, or a quarantine reason.

Pure: no IO. Records are decoded with msgspec structs that name only the fields we use, so
the large prompt/response texts are skipped, not built into Python objects; the request and
response bodies stay raw bytes until the few keys we need are read from them. Key order never
matters and unknown fields are ignored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

import msgspec

from bedrock_logbook.ingest.latency_mode import (
    FIELD_REQUESTED,
    TOKEN_LIMITED_MODELS,
    normalize_mode,
    resolve_latency_mode,
    token_limit_evidence,
)
from bedrock_logbook.ingest.model_id import normalize_model_id, short_caller
from bedrock_logbook.ingest.utf8_errors import unicode_error

INVOCATION_METRICS = "amazon-bedrock-invocationMetrics"
GUARDRAIL_ACTION = "amazon-bedrock-guardrailAction"
MAX_RAW_QUARANTINE = 1 << 20
# Explicit limits on one line. Longer lines are quarantined unread (Bedrock moves bodies over
# 100 KB to S3, so a real line is far below this). Nesting is limited by msgspec, whose
# decoder stops at about MAX_DEPTH levels with a RecursionError: such a line is quarantined.
MAX_LINE_BYTES = 32 << 20
MAX_DEPTH = 990
# msgspec.Raw cannot be Optional: an empty Raw (or a JSON null) stands for "absent".
_ABSENT = msgspec.Raw()


def _present(raw: msgspec.Raw) -> msgspec.Raw | None:
    n = len(raw)
    return None if n == 0 or (n == 4 and bytes(raw) == b"null") else raw


class _Input(msgspec.Struct):
    inputBodyJson: msgspec.Raw = _ABSENT
    inputBodyS3Path: Any = None
    inputTokenCount: Any = None
    cacheReadInputTokenCount: Any = None
    cacheWriteInputTokenCount: Any = None


class _Output(msgspec.Struct):
    outputBodyJson: msgspec.Raw = _ABSENT
    outputBodyS3Path: Any = None
    outputTokenCount: Any = None


class _Record(msgspec.Struct):
    schemaType: Any = None
    schemaVersion: Any = None
    timestamp: Any = None
    accountId: Any = None
    identity: Any = None
    region: Any = None
    requestId: Any = None
    operation: Any = None
    modelId: Any = None
    inferenceRegion: Any = None
    performanceConfig: Any = None
    serviceTier: Any = None
    requestMetadata: Any = None
    errorCode: Any = None
    input: _Input | None = None
    output: _Output | None = None


class _RequestBody(msgspec.Struct):
    """Request-body keys that identify the prompt, an echoed performanceConfig, and the
    maximum output tokens in each body shape."""

    system: msgspec.Raw = _ABSENT
    messages: msgspec.Raw = _ABSENT
    prompt: msgspec.Raw = _ABSENT
    inputText: msgspec.Raw = _ABSENT
    performanceConfig: Any = None
    inferenceConfig: Any = None  # Converse {maxTokens}; Nova native {max_new_tokens}
    max_tokens: Any = None  # Anthropic Messages (also Mistral, Cohere)
    max_gen_len: Any = None  # Meta Llama
    max_tokens_to_sample: Any = None  # Claude v2 text completions
    textGenerationConfig: Any = None  # Amazon Titan {maxTokenCount}


class _Usage(msgspec.Struct):
    inputTokens: Any = None  # Converse, Nova
    outputTokens: Any = None
    cacheReadInputTokens: Any = None
    cacheWriteInputTokens: Any = None
    input_tokens: Any = None  # Anthropic Messages
    output_tokens: Any = None
    cache_read_input_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cacheDetails: Any = None  # Converse: [{"ttl": "5m"|"1h", "inputTokens": N}]
    cache_creation: Any = None  # Anthropic: {ephemeral_5m_input_tokens, ephemeral_1h_...}


class _Metrics(msgspec.Struct):
    latencyMs: Any = None


class _ResponseBody(msgspec.Struct):
    """Converse/ConverseStream aggregated dicts and provider-native InvokeModel bodies.

    ``usage`` and ``metrics`` are structs (no dicts built); a body where they are not objects
    is read again with ``_LooseResponseBody``.
    """

    stopReason: Any = None  # Converse, Nova
    stop_reason: Any = None  # Anthropic Messages, Claude v2, Llama
    results: Any = None  # Titan: [{"completionReason": ...}]
    metrics: _Metrics | None = None
    usage: _Usage | None = None
    performanceConfig: Any = None
    serviceTier: Any = None
    guardrail_action: Any = msgspec.field(default=None, name=GUARDRAIL_ACTION)
    invocation_metrics: Any = msgspec.field(default=None, name=INVOCATION_METRICS)


class _LooseResponseBody(msgspec.Struct):
    stopReason: Any = None
    stop_reason: Any = None
    results: Any = None
    performanceConfig: Any = None
    serviceTier: Any = None
    guardrail_action: Any = msgspec.field(default=None, name=GUARDRAIL_ACTION)
    invocation_metrics: Any = msgspec.field(default=None, name=INVOCATION_METRICS)


class _Chunk(msgspec.Struct):
    """One decoded chunk of an InvokeModelWithResponseStream body."""

    type: Any = None
    delta: Any = None
    stop_reason: Any = None
    completionReason: Any = None
    messageStop: Any = None
    invocation_metrics: Any = msgspec.field(default=None, name=INVOCATION_METRICS)
    guardrail_action: Any = msgspec.field(default=None, name=GUARDRAIL_ACTION)


_record_decoder = msgspec.json.Decoder(_Record)
_request_decoder = msgspec.json.Decoder(_RequestBody)
_response_decoder = msgspec.json.Decoder(_ResponseBody)
_loose_response_decoder = msgspec.json.Decoder(_LooseResponseBody)
_chunks_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_chunk_decoder = msgspec.json.Decoder(_Chunk)


# Column order of the tuples parse_line returns: the lake schema's (checked by a test).
ROW_FIELDS: tuple[str, ...] = (
    "request_id", "ts", "account_id", "region", "inference_region", "cross_region",
    "operation", "model_id", "model", "model_id_kind", "profile_scope", "caller_arn", "caller",
    "requested_latency", "served_latency", "served_latency_source",
    "served_latency_confidence", "fallback_reason", "latency_quality_flag",
    "service_tier", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "cache_write_5m_tokens", "cache_write_1h_tokens", "max_output_tokens",
    "latency_ms", "first_byte_ms", "output_tokens_per_s", "stop_reason", "error_code",
    "guardrail_action", "request_metadata", "input_body_bytes", "output_body_bytes",
    "input_body_s3_path", "output_body_s3_path", "system_prompt_fp", "prompt_fp",
    "schema_version", "source", "source_line", "input_body_json", "output_body_json",
)


class Rejected(Exception):
    """The line cannot become a row; ``reason`` is short and machine-readable."""

    def __init__(self, reason: str, detail: str, request_id: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.request_id = request_id


@dataclass(frozen=True)
class ParseOptions:
    salt: bytes = b""
    keep_bodies: bool = False
    # How the top-level performanceConfig is read: 'applied' (default) or 'requested'
    # (docs/served-latency.md).
    latency_field: str = "applied"


# Counts and latencies are stored as BIGINT: a value outside 0..2^63-1, a negative one, or
# digits that are not ASCII ("²" is a digit to str.isdigit) cannot be stored truthfully, so the
# line is quarantined rather than stored with a made-up number.
MAX_INT = (1 << 63) - 1


def _out_of_range() -> Rejected:
    return Rejected("number_out_of_range",
                    "a token count or latency is negative, not a plain number, or above 2^63-1")


def _int(value: Any) -> int | None:
    """Token counts and latencies: ints (or integral floats/digit strings) in 0..2^63-1.

    Absent or of another type (text, object, fraction): NULL. Out of range: Rejected.
    """
    if type(value) is int:
        if 0 <= value <= MAX_INT:
            return value
        raise _out_of_range()
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        if 0 <= value <= MAX_INT:
            return int(value)
        raise _out_of_range()
    if isinstance(value, float) and (value != value or value in (_INF, -_INF) or value < 0):
        raise _out_of_range()  # NaN, ±inf (1e400 decodes to inf) or a negative fraction
    if isinstance(value, str) and value.isdigit():
        if not value.isascii() or len(value) > 19 or int(value) > MAX_INT:
            raise _out_of_range()
        return int(value)
    return None


_INF = float("inf")


def _get(d: Any, key: str) -> Any:
    return d.get(key) if isinstance(d, dict) else None


_ts_cache: dict[str, datetime] = {}


def parse_timestamp(value: Any) -> datetime:
    """ISO-8601 → aware UTC datetime. Cached: second precision repeats within a batch."""
    if type(value) is str:
        hit = _ts_cache.get(value)
        if hit is not None:
            return hit
        if len(_ts_cache) > 100_000:
            _ts_cache.clear()
        ts = _parse_timestamp(value)
        _ts_cache[value] = ts
        return ts
    return _parse_timestamp(value)


def _parse_timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise Rejected("bad_timestamp", f"timestamp is {type(value).__name__}, not text")
    text = value.strip()
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        raise Rejected("bad_timestamp", "timestamp is not ISO-8601") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)  # the log writes UTC with 'Z'; a bare time is UTC too
    elif ts.tzinfo is not UTC:
        ts = ts.astimezone(UTC)
    if not 2000 <= ts.year <= 2100:
        raise Rejected("bad_timestamp", "timestamp outside the years 2000-2100")
    return ts


def _service_tier(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("type")
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _guardrail(action: Any, stop_reason: str | None) -> str | None:
    if stop_reason == "guardrail_intervened":
        return "INTERVENED"
    if isinstance(action, str) and action.upper() == "INTERVENED":
        return "INTERVENED"
    return None


@dataclass(slots=True)
class _Response:
    """What we read from a response body, whatever its shape."""

    stop_reason: str | None = None
    latency_ms: int | None = None
    first_byte_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read: int | None = None
    cache_write: int | None = None
    cache_write_5m: int | None = None
    cache_write_1h: int | None = None
    mode: str | None = None
    service_tier: str | None = None
    guardrail: str | None = None


def _either(a: Any, b: Any) -> Any:
    return b if a is None else a


def _apply_metrics(resp: _Response, m: Any) -> None:
    if not isinstance(m, dict):
        return
    resp.latency_ms = _int(m.get("invocationLatency"))
    resp.first_byte_ms = _int(m.get("firstByteLatency"))
    resp.input_tokens = _int(m.get("inputTokenCount"))
    resp.output_tokens = _int(m.get("outputTokenCount"))
    resp.cache_read = _int(m.get("cacheReadInputTokenCount"))
    resp.cache_write = _int(m.get("cacheWriteInputTokenCount"))


def _strict_utf8(e: msgspec.DecodeError, decoder: msgspec.json.Decoder[Any],
                 raw: msgspec.Raw | bytes) -> None:
    """Invalid UTF-8 in a text value raises UnicodeDecodeError, whatever msgspec's version
    (0.23 reports it as a DecodeError, which the callers would take for an odd shape)."""
    error = unicode_error(e, decoder, raw)
    if error is not None:
        raise error from None


def _read_dict_body(raw: msgspec.Raw) -> _Response:
    body: _ResponseBody | _LooseResponseBody
    try:
        body = _response_decoder.decode(raw)
    except msgspec.ValidationError:  # usage/metrics of an odd type: keep the rest
        try:
            body = _loose_response_decoder.decode(raw)
        except msgspec.DecodeError as e:
            _strict_utf8(e, _loose_response_decoder, raw)
            raise
    except msgspec.DecodeError as e:
        _strict_utf8(e, _response_decoder, raw)
        raise
    resp = _Response()
    stop = body.stopReason if body.stopReason is not None else body.stop_reason
    if stop is None and isinstance(body.results, list) and body.results:
        stop = _get(body.results[0], "completionReason")
    resp.stop_reason = _text(stop)
    if isinstance(body, _ResponseBody):
        if body.metrics is not None:
            resp.latency_ms = _int(body.metrics.latencyMs)
        u = body.usage
        if u is not None:
            resp.input_tokens = _int(_either(u.inputTokens, u.input_tokens))
            resp.output_tokens = _int(_either(u.outputTokens, u.output_tokens))
            resp.cache_read = _int(_either(u.cacheReadInputTokens, u.cache_read_input_tokens))
            resp.cache_write = _int(
                _either(u.cacheWriteInputTokens, u.cache_creation_input_tokens))
            if u.cacheDetails is not None:
                _apply_cache_details(resp, u.cacheDetails)
            elif u.cache_creation is not None:
                _apply_cache_creation(resp, u.cache_creation)
    if body.invocation_metrics is not None:
        fallback_latency = resp.latency_ms
        _apply_metrics(resp, body.invocation_metrics)
        resp.latency_ms = resp.latency_ms if resp.latency_ms is not None else fallback_latency
    resp.mode = normalize_mode(body.performanceConfig)
    resp.service_tier = _service_tier(body.serviceTier)
    resp.guardrail = _guardrail(body.guardrail_action, resp.stop_reason)
    return resp


def _apply_cache_details(resp: _Response, details: Any) -> None:
    """Converse ``usage.cacheDetails``: cache-write tokens per TTL. An entry we cannot read
    leaves the split unknown (NULL) rather than wrong."""
    if not isinstance(details, list) or not details:
        return
    split = {"5m": 0, "1h": 0}
    for entry in details:
        ttl = _get(entry, "ttl")
        n = _int(_get(entry, "inputTokens"))
        if ttl not in split or n is None:
            return
        split[ttl] += n
    resp.cache_write_5m, resp.cache_write_1h = split["5m"], split["1h"]


def _apply_cache_creation(resp: _Response, creation: Any) -> None:
    """Anthropic ``usage.cache_creation``: ephemeral_5m / ephemeral_1h input tokens."""
    if not isinstance(creation, dict):
        return
    five = creation.get("ephemeral_5m_input_tokens", 0)
    hour = creation.get("ephemeral_1h_input_tokens", 0)
    five_n, hour_n = _int(five), _int(hour)
    if five_n is not None and hour_n is not None:
        resp.cache_write_5m, resp.cache_write_1h = five_n, hour_n


class _StreamStart(msgspec.Struct):
    """First chunk of an Anthropic stream: ``message_start`` carries the input usage."""

    type: Any = None
    message: Any = None


_stream_start_decoder = msgspec.json.Decoder(_StreamStart)


def _read_chunk_list(raw: msgspec.Raw) -> _Response:
    """A streamed InvokeModel body: decoded provider chunks, metrics on the last one.

    Scanned from the end and stopped once the metrics and the stop reason are found: a long
    answer has hundreds of delta chunks that carry neither.
    """
    resp = _Response()
    items = _chunks_decoder.decode(raw)
    for item in reversed(items):
        try:
            chunk = _chunk_decoder.decode(item)
        except msgspec.ValidationError:
            continue  # chunks can be strings or other unexpected types; they carry nothing we use
        except msgspec.DecodeError as e:
            _strict_utf8(e, _chunk_decoder, item)
            continue
        if chunk.invocation_metrics is not None and resp.latency_ms is None:
            _apply_metrics(resp, chunk.invocation_metrics)
        if resp.stop_reason is None:
            stop = (
                _get(chunk.delta, "stop_reason")
                or chunk.stop_reason
                or chunk.completionReason
                or _get(chunk.messageStop, "stopReason")
            )
            if isinstance(stop, str) and stop:
                resp.stop_reason = stop
        if resp.latency_ms is not None and resp.stop_reason is not None:
            break
    if resp.stop_reason == "guardrail_intervened" or _chunks_intervened(raw, items):
        resp.guardrail = "INTERVENED"
    if items:
        try:
            start = _stream_start_decoder.decode(items[0])
        except msgspec.ValidationError:
            return resp
        except msgspec.DecodeError as e:
            _strict_utf8(e, _stream_start_decoder, items[0])
            return resp
        if start.type == "message_start":
            creation = _get(_get(start.message, "usage"), "cache_creation")
            if creation is not None:
                _apply_cache_creation(resp, creation)
    return resp


_GUARDRAIL_KEY = GUARDRAIL_ACTION.encode()


def _chunks_intervened(raw: msgspec.Raw, items: list[msgspec.Raw]) -> bool:
    if _GUARDRAIL_KEY not in bytes(raw):  # one C-speed search instead of decoding every chunk
        return False
    for item in items:
        try:
            action = _chunk_decoder.decode(item).guardrail_action
        except msgspec.ValidationError:
            continue
        except msgspec.DecodeError as e:
            _strict_utf8(e, _chunk_decoder, item)
            continue
        if isinstance(action, str) and action.upper() == "INTERVENED":
            return True
    return False


def _read_response(raw: msgspec.Raw | None) -> _Response:
    if raw is None:
        return _Response()
    first = memoryview(raw)[:1].tobytes()
    try:
        if first == b"{":
            return _read_dict_body(raw)
        if first == b"[":
            return _read_chunk_list(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass  # an odd body shape loses only its metrics, never the record
    return _Response()


def _request_metadata(value: Any) -> list[tuple[str, str]] | None:
    if isinstance(value, str):  # some exporters flatten the map to a JSON string
        try:
            value = msgspec.json.decode(value)
        except msgspec.DecodeError:
            return None
    if not isinstance(value, dict) or not value:
        return None
    return sorted((str(k), v if isinstance(v, str) else msgspec.json.encode(v).decode())
                  for k, v in value.items())


def decode_records(text: bytes) -> list[_Record] | None:
    """All records of a JSON-lines buffer in one call, or None if any line is not a record.

    The fast path for a well-formed batch; the caller falls back to ``parse_line`` per line.
    """
    try:
        return _record_decoder.decode_lines(text)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


def parse_line(line: bytes, options: ParseOptions, source: str, line_no: int) -> tuple[Any, ...]:
    """The row for one record, in ``ROW_FIELDS`` order; Rejected when it is unusable."""
    if len(line) > MAX_LINE_BYTES:
        raise Rejected("line_too_long", f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        rec = _record_decoder.decode(line)
    except msgspec.ValidationError as e:
        raise Rejected("not_a_record", f"not a ModelInvocationLog object: {e}") from None
    except msgspec.DecodeError as e:
        utf8 = unicode_error(e, _record_decoder, line)
        if utf8 is not None:
            raise _invalid_utf8(utf8) from None
        raise Rejected("malformed_json", f"malformed JSON: {e}") from None
    except UnicodeDecodeError as e:
        raise _invalid_utf8(e) from None
    except RecursionError:
        raise _too_deep() from None
    return guarded_row(rec, options, source, line_no)


def _invalid_utf8(e: UnicodeDecodeError) -> Rejected:
    return Rejected("invalid_utf8", f"invalid UTF-8 byte at offset {e.start} of a text value")


def _too_deep() -> Rejected:
    return Rejected("too_deep", f"JSON nested deeper than about {MAX_DEPTH} levels")


def guarded_row(rec: _Record, options: ParseOptions, source: str,
                line_no: int) -> tuple[Any, ...]:
    """``row_from_record`` where any failure on one record becomes that record's Rejected.

    A value no rule foresaw must cost one quarantined line, never the run. The detail names
    the error's type only: messages can quote field contents.
    """
    try:
        return row_from_record(rec, options, source, line_no)
    except Rejected:
        raise
    except UnicodeDecodeError as e:  # a body's text values are decoded lazily
        raise _invalid_utf8(e) from None
    except RecursionError:
        raise _too_deep() from None
    except Exception as e:  # noqa: BLE001 - isolation is the point
        raise Rejected("unusable_value", f"a field could not be read ({type(e).__name__})",
                       _text(rec.requestId)) from None


class _Where(NamedTuple):
    """What a record's modelId, Regions and identity say; the same few values repeat, so it
    is computed once per distinct combination."""

    region: str | None
    inference_region: str | None
    cross_region: bool
    model_id: str | None
    model: str | None
    model_id_kind: str
    profile_scope: str | None
    caller_arn: str | None
    caller: str | None


_where_cache: dict[tuple[Any, ...], _Where] = {}


def _where(model_id: Any, region: Any, inference_region: Any, identity: Any) -> _Where:
    arn = identity.get("arn") if type(identity) is dict else None
    return _where_arn(model_id, region, inference_region, arn)


def _where_arn(model_id: Any, region: Any, inference_region: Any, arn: Any) -> _Where:
    key: tuple[Any, ...] = (model_id, region, inference_region, arn)
    try:
        hit = _where_cache.get(key)
    except TypeError:  # an unhashable oddity (e.g. a dict where text belongs): no caching
        hit, key = None, ()
    if hit is not None:
        return hit
    src = _text(region)
    logged = _text(inference_region)
    ref = normalize_model_id(_text(model_id))
    caller_arn = _text(arn)
    where = _Where(
        src, logged or src, logged is not None and src is not None and logged != src,
        _text(model_id), ref.model, ref.kind, ref.profile_scope, caller_arn,
        short_caller(caller_arn),
    )
    if key:
        if len(_where_cache) > 50_000:
            _where_cache.clear()
        _where_cache[key] = where
    return where


def _text(value: Any) -> str | None:
    """Non-empty text, else NULL. msgspec refuses invalid UTF-8 and lone surrogates, so a
    decoded str always stores."""
    return value if type(value) is str and value else None


def row_from_record(rec: _Record, options: ParseOptions, source: str,
                    line_no: int) -> tuple[Any, ...]:
    """A decoded record → its row (a tuple: 40-key dicts were a third of the cost)."""
    request_id = _text(rec.requestId)
    schema_type = rec.schemaType
    if schema_type is not None and schema_type != "ModelInvocationLog":
        raise Rejected("not_an_invocation_log", "schemaType is not ModelInvocationLog",
                       request_id)
    if schema_type is None and rec.operation is None and rec.modelId is None:
        raise Rejected("not_an_invocation_log",
                       "no schemaType, operation or modelId: not a model-invocation log record",
                       request_id)
    if request_id is None:
        raise Rejected("missing_request_id", "record has no usable requestId")
    try:
        ts = parse_timestamp(rec.timestamp)
    except Rejected as e:
        e.request_id = request_id
        raise

    inp = rec.input or _NO_INPUT
    out = rec.output or _NO_OUTPUT
    in_raw = _present(inp.inputBodyJson)
    out_raw = _present(out.outputBodyJson)
    resp = _read_response(out_raw)

    request_body = None
    if in_raw is not None and memoryview(in_raw)[:1].tobytes() == b"{":
        try:
            request_body = _request_decoder.decode(in_raw)
        except msgspec.ValidationError:
            request_body = None
        except msgspec.DecodeError as e:
            _strict_utf8(e, _request_decoder, in_raw)
            request_body = None

    where = _where(rec.modelId, rec.region, rec.inferenceRegion, rec.identity)

    account = rec.accountId
    return assemble_row(
        options, source, line_no, request_id, ts,
        str(account) if type(account) is int else _text(account),
        _text(rec.operation), _text(rec.schemaVersion), _text(rec.errorCode), where,
        mode_of(rec.performanceConfig), rec.serviceTier, rec.requestMetadata,
        _int(inp.inputTokenCount), _int(out.outputTokenCount),
        _int(inp.cacheReadInputTokenCount), _int(inp.cacheWriteInputTokenCount),
        resp, request_body, in_raw, out_raw, _text(inp.inputBodyS3Path),
        _text(out.outputBodyS3Path))


def assemble_row(options: ParseOptions, source: str, line_no: int, request_id: str,
                 ts: datetime, account: str | None, operation: str | None,
                 schema_version: str | None, error_code: str | None, where: _Where,
                 top_mode: str | None, top_tier: Any, metadata: Any,
                 input_tokens: int | None, output_tokens: int | None,
                 cache_read: int | None, cache_write: int | None, resp: _Response,
                 request_body: _RequestShape | None, in_raw: msgspec.Raw | None,
                 out_raw: msgspec.Raw | None, in_s3: str | None,
                 out_s3: str | None) -> tuple[Any, ...]:
    """The row, in ``ROW_FIELDS`` order, from what a record's envelope and bodies say.

    The one row builder: the general path (``row_from_record``, every value checked) and
    the typed fast path (``fast_rows``, types checked by msgspec) both end here, with the
    envelope's text values already non-empty-or-None and its counts already in range.
    """
    if input_tokens is None:
        input_tokens = resp.input_tokens
    if output_tokens is None:
        output_tokens = resp.output_tokens
    if cache_read is None:
        cache_read = resp.cache_read
    if cache_write is None:
        cache_write = resp.cache_write

    max_output = _max_output_tokens(request_body) if request_body is not None else None
    token_rule = None
    if where.model in TOKEN_LIMITED_MODELS and input_tokens is not None:
        token_rule = token_limit_evidence(
            where.model, input_tokens + (cache_read or 0) + (cache_write or 0), output_tokens,
            max_output)
    # Positional: lru_cache keys keyword calls more slowly, and this runs once per record.
    mode = resolve_latency_mode(
        top_mode,
        mode_of(request_body.performanceConfig) if request_body is not None else None,
        resp.mode,
        where.model,
        where.region,
        token_rule,
        error_code is not None,
        options.latency_field == FIELD_REQUESTED,
    )
    cache_5m, cache_1h = resp.cache_write_5m, resp.cache_write_1h
    if cache_write is None and cache_5m is not None and cache_1h is not None:
        cache_write = cache_5m + cache_1h

    latency = resp.latency_ms
    tps = None
    if latency is not None and latency > 0 and output_tokens:
        tps = output_tokens * 1000.0 / latency

    system_fp = prompt_fp = None
    if request_body is not None:
        system_fp, prompt_fp = _fingerprints(options.salt, request_body)

    keep = options.keep_bodies
    return (
        request_id,
        ts,
        account,
        where.region,
        where.inference_region,
        where.cross_region,
        operation,
        where.model_id,
        where.model,
        where.model_id_kind,
        where.profile_scope,
        where.caller_arn,
        where.caller,
        mode.requested,
        mode.served,
        mode.source,
        mode.confidence,
        mode.fallback_reason,
        mode.quality_flag,
        resp.service_tier or (None if top_tier is None else _service_tier(top_tier)),
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        cache_5m,
        cache_1h,
        max_output,
        latency,
        resp.first_byte_ms,
        tps,
        resp.stop_reason,
        error_code,
        resp.guardrail,
        None if metadata is None else _request_metadata(metadata),
        None if in_raw is None else len(in_raw),
        None if out_raw is None else len(out_raw),
        in_s3,
        out_s3,
        system_fp,
        prompt_fp,
        schema_version,
        source,
        line_no,
        bytes(in_raw).decode("utf-8", "replace") if keep and in_raw is not None else None,
        bytes(out_raw).decode("utf-8", "replace") if keep and out_raw is not None else None,
    )


_modes: dict[str, str | None] = {}


def mode_of(value: Any) -> str | None:
    """``latency_mode.normalize_mode``, computed once per distinct text."""
    if value is None:
        return None
    if type(value) is dict:
        value = value.get("latency")
    if type(value) is not str:
        return normalize_mode(value)
    try:
        return _modes[value]
    except KeyError:
        if len(_modes) > 1_000:
            _modes.clear()
        mode = _modes[value] = normalize_mode(value)
        return mode


_NO_INPUT = _Input()
_NO_OUTPUT = _Output()


class _RequestShape(Protocol):
    """What the readers of a request body use (``_RequestBody`` or ``fast_rows``' typed one)."""

    system: msgspec.Raw
    messages: msgspec.Raw
    prompt: msgspec.Raw
    inputText: msgspec.Raw
    performanceConfig: Any
    inferenceConfig: Any
    max_tokens: Any
    max_gen_len: Any
    max_tokens_to_sample: Any
    textGenerationConfig: Any


def _max_output_tokens(body: _RequestShape) -> int | None:
    """The request's maximum output tokens, whichever body shape carries it."""
    cfg = body.inferenceConfig
    if type(cfg) is dict:
        n = _int(_either(cfg.get("maxTokens"), cfg.get("max_new_tokens")))
        if n is not None:
            return n
    for value in (body.max_tokens, body.max_gen_len, body.max_tokens_to_sample):
        if value is not None:
            return _int(value)
    cfg = body.textGenerationConfig
    if type(cfg) is dict:
        return _int(cfg.get("maxTokenCount"))
    return None


def _fingerprints(salt: bytes, body: _RequestShape) -> tuple[str | None, str | None]:
    """Salted SHA-256 of the system prompt, and of the whole prompt (system included).

    Over the JSON text as logged: the same request logged by Bedrock gives the same text.
    """
    system = _present(body.system)
    parts = (_present(body.messages), _present(body.prompt), _present(body.inputText))
    if system is None and parts == (None, None, None):
        return None, None
    h = hashlib.sha256(salt)
    system_fp = None
    if system is not None:
        h.update(system)
        system_fp = h.hexdigest()[:16]
    for part in parts:
        h.update(b"\x00")
        if part is not None:
            h.update(part)
    return system_fp, h.hexdigest()[:16]


def parse_record(line: bytes, options: ParseOptions | None = None) -> dict[str, Any]:
    """One record as a {column: value} dict (convenient in tests and notebooks)."""
    row = parse_line(line, options or ParseOptions(), "", 0)
    return dict(zip(ROW_FIELDS, row, strict=True))


def peek_request_id(line: bytes) -> str | None:
    """Best effort, for quarantine rows of lines that failed to parse."""
    marker = b'"requestId"'
    i = line.find(marker)
    if i < 0:
        return None
    rest = line[i + len(marker):].lstrip(b" \t:").lstrip()
    if not rest.startswith(b'"'):
        return None
    end = rest.find(b'"', 1)
    return rest[1:end].decode("utf-8", "replace") if end > 0 else None
