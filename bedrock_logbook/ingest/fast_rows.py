"""The fast path for well-formed records: strictly typed decoding, the row built without checks.

``parse.row_from_record`` reads every field as ``Any`` and checks its type, because a log line
may hold anything. Nearly every real line holds the types the log format documents, so a
block of lines is first decoded into the strictly typed structs below (text as ``str``,
counts as ``int``, nested objects as structs): msgspec does the type checks in C, and the
row needs none in Python. Prompt and response text is never built: bodies stay raw bytes
until the few keys we need are read from them, prompts are fingerprinted from those bytes.

Only scalars are typed strictly. A value the general path reads as ``Any`` and that may be
an object or array (identity, performanceConfig, serviceTier, requestMetadata, a body's
results, cache details, invocation metrics...) stays ``Any`` here too: a struct would skip
its unknown keys without checking their text, where the general path decodes all of it and
quarantines invalid UTF-8 or nesting that is too deep.

A record this path cannot settle exactly as the general path would (an unusual body shape,
a rejected line...) is handed back (``block_rows`` gives None for it) and goes the general
way, ``parse.parse_line``, which quarantines it or builds its row. A block where any line
does not fit these types (a count outside 0..2^63-1 included: msgspec checks the range) is
decoded by the general path as a whole. Bodies are decoded a block at a time too, and one
by one when any of them does not fit. The row itself is built by ``parse.assemble_row``,
as on the general path. So the
rows, the quarantine and its reasons are exactly those of the general path
(``tests/core/test_parse_golden.py`` checks it against the parser this one replaced).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from bedrock_logbook.ingest.parse import (
    GUARDRAIL_ACTION,
    INVOCATION_METRICS,
    MAX_INT,
    ParseOptions,
    _apply_cache_creation,
    _apply_cache_details,
    _apply_metrics,
    _get,
    _read_response,
    _Response,
    _service_tier,
    _where_arn,
    assemble_row,
    mode_of,
    parse_timestamp,
)

_ABSENT = msgspec.Raw()
_NULL = b"null"
# A count or latency the lake can store (BIGINT, not negative), checked by msgspec in C: a
# record with another value fails its block's typed decoding, and the general path
# quarantines it (number_out_of_range) exactly.
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]


class _Input(msgspec.Struct):
    inputBodyJson: msgspec.Raw = _ABSENT
    inputBodyS3Path: str | None = None
    inputTokenCount: Count | None = None
    cacheReadInputTokenCount: Count | None = None
    cacheWriteInputTokenCount: Count | None = None


class _Output(msgspec.Struct):
    outputBodyJson: msgspec.Raw = _ABSENT
    outputBodyS3Path: str | None = None
    outputTokenCount: Count | None = None


class FastRecord(msgspec.Struct):
    """The envelope of a ModelInvocationLog line, typed as the log format documents it."""

    schemaType: str | None = None
    schemaVersion: str | None = None
    timestamp: str | None = None
    accountId: str | int | None = None
    identity: Any = None
    region: str | None = None
    requestId: str | None = None
    operation: str | None = None
    modelId: str | None = None
    inferenceRegion: str | None = None
    performanceConfig: Any = None
    serviceTier: Any = None
    requestMetadata: Any = None
    errorCode: str | None = None
    input: _Input | None = None
    output: _Output | None = None


class _RequestBody(msgspec.Struct):
    system: msgspec.Raw = _ABSENT
    messages: msgspec.Raw = _ABSENT
    prompt: msgspec.Raw = _ABSENT
    inputText: msgspec.Raw = _ABSENT
    performanceConfig: Any = None
    inferenceConfig: Any = None
    max_tokens: int | None = None
    max_gen_len: int | None = None
    max_tokens_to_sample: int | None = None
    textGenerationConfig: Any = None


class _Metrics(msgspec.Struct):
    latencyMs: Count | None = None


class _Usage(msgspec.Struct):
    inputTokens: Count | None = None
    outputTokens: Count | None = None
    cacheReadInputTokens: Count | None = None
    cacheWriteInputTokens: Count | None = None
    input_tokens: Count | None = None
    output_tokens: Count | None = None
    cache_read_input_tokens: Count | None = None
    cache_creation_input_tokens: Count | None = None
    cacheDetails: Any = None
    cache_creation: Any = None


class _ResponseBody(msgspec.Struct):
    stopReason: str | None = None
    stop_reason: str | None = None
    results: Any = None
    metrics: _Metrics | None = None
    usage: _Usage | None = None
    performanceConfig: Any = None
    serviceTier: Any = None
    guardrail_action: str | None = msgspec.field(default=None, name=GUARDRAIL_ACTION)
    invocation_metrics: Any = msgspec.field(default=None, name=INVOCATION_METRICS)


_block_decoder = msgspec.json.Decoder(FastRecord)
_request_decoder = msgspec.json.Decoder(_RequestBody)
_response_decoder = msgspec.json.Decoder(_ResponseBody)


def decode_block(text: bytes) -> list[FastRecord] | None:
    """Every line of a block as a typed record, or None when any line does not fit."""
    try:
        return _block_decoder.decode_lines(text)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None


class _Bail(Exception):
    """This record needs the general path."""


_BAIL = _Bail()


_EMPTY = _Response()


def _dict_body(body: _ResponseBody) -> _Response:
    resp = _Response()
    stop = body.stopReason if body.stopReason is not None else body.stop_reason
    if stop is None and type(body.results) is list and body.results:
        stop = _get(body.results[0], "completionReason")
    resp.stop_reason = _shared(stop) if type(stop) is str and stop else None
    if body.metrics is not None:
        resp.latency_ms = body.metrics.latencyMs
    u = body.usage
    if u is not None:
        # Inlined (not ``_first``): four calls a record.
        n = u.inputTokens
        resp.input_tokens = u.input_tokens if n is None else n
        n = u.outputTokens
        resp.output_tokens = u.output_tokens if n is None else n
        n = u.cacheReadInputTokens
        resp.cache_read = u.cache_read_input_tokens if n is None else n
        n = u.cacheWriteInputTokens
        resp.cache_write = u.cache_creation_input_tokens if n is None else n
        if u.cacheDetails is not None:
            _apply_cache_details(resp, u.cacheDetails)
        elif u.cache_creation is not None:
            _apply_cache_creation(resp, u.cache_creation)
    if body.invocation_metrics is not None:
        fallback_latency = resp.latency_ms
        _apply_metrics(resp, body.invocation_metrics)
        if resp.latency_ms is None:
            resp.latency_ms = fallback_latency
    if body.performanceConfig is not None:
        resp.mode = mode_of(body.performanceConfig)
    if body.serviceTier is not None:
        resp.service_tier = _service_tier(body.serviceTier)
    action = body.guardrail_action
    if resp.stop_reason == "guardrail_intervened" or (
            action is not None and action.upper() == "INTERVENED"):
        resp.guardrail = "INTERVENED"
    return resp


def _response(raw: msgspec.Raw | None, body: Any) -> _Response:
    if raw is None:
        return _EMPTY
    if body is _UNDECODED:
        if bytes(memoryview(raw)[:1]) != b"{":
            # A streamed body's chunk list (and odd shapes): the general reader, whose
            # checks these shapes need; its Rejected sends the record down the general path.
            return _read_response(raw)
        try:
            body = _response_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise _BAIL from None
    return _dict_body(body) if body is not None else _read_response(raw)


class _Undecoded:
    """A body not decoded with its block: the record decodes it alone."""


_UNDECODED: Any = _Undecoded()
_OPEN_BRACE = ord("{")


def _decode_objects(decoder: msgspec.json.Decoder[Any],
                    raws: list[msgspec.Raw | None]) -> list[Any]:
    """The JSON-object bodies of a block decoded in one call (one per line: a record's line
    holds no newline, so neither does its body); None for a body that is not an object.
    All ``_UNDECODED`` when any of them does not fit the type (each is then tried alone)."""
    objects = [raw for raw in raws if raw is not None and memoryview(raw)[0] == _OPEN_BRACE]
    try:
        decoded = decoder.decode_lines(b"\n".join(objects))
    except Exception:  # noqa: BLE001 - ValidationError, DecodeError, RecursionError...
        return [_UNDECODED] * len(raws)
    if len(decoded) != len(objects):
        return [_UNDECODED] * len(raws)
    it = iter(decoded)
    return [next(it) if raw is not None and memoryview(raw)[0] == _OPEN_BRACE else None
            for raw in raws]


def _present(raw: msgspec.Raw) -> msgspec.Raw | None:
    n = len(raw)
    return None if n == 0 or (n == 4 and bytes(raw) == _NULL) else raw


_NO_INPUT = _Input()
_NO_OUTPUT = _Output()


def block_rows(records: list[FastRecord], options: ParseOptions, source: str,
               first_line: int) -> list[tuple[Any, ...] | None]:
    """The row of each record of a block (line numbers from ``first_line``), None where the
    general path must decide. Request and response bodies are decoded a block at a time."""
    ins: list[msgspec.Raw | None] = []
    outs: list[msgspec.Raw | None] = []
    for rec in records:
        inp, out = rec.input, rec.output
        ins.append(None if inp is None else _present(inp.inputBodyJson))
        outs.append(None if out is None else _present(out.outputBodyJson))
    requests = _decode_objects(_request_decoder, ins)
    responses = _decode_objects(_response_decoder, outs)
    rows: list[tuple[Any, ...] | None] = []
    for i, rec in enumerate(records):
        try:
            rows.append(_row(rec, options, source, first_line + i, ins[i], outs[i],
                             requests[i], responses[i]))
        except Exception:  # noqa: BLE001 - anything unforeseen: the general path settles it
            rows.append(None)
    return rows


def _row(rec: FastRecord, options: ParseOptions, source: str, line_no: int,
         in_raw: msgspec.Raw | None, out_raw: msgspec.Raw | None, request_body: Any,
         response_body: Any) -> tuple[Any, ...] | None:
    request_id = rec.requestId
    schema_type = rec.schemaType
    if not request_id or rec.timestamp is None:
        return None
    if schema_type != "ModelInvocationLog" and (
            schema_type is not None or (rec.operation is None and rec.modelId is None)):
        return None
    ts = parse_timestamp(rec.timestamp)  # Rejected (a bad timestamp): the general path

    inp = rec.input or _NO_INPUT
    out = rec.output or _NO_OUTPUT
    resp = _response(out_raw, response_body)

    if request_body is _UNDECODED:
        request_body = None
        if in_raw is not None and bytes(memoryview(in_raw)[:1]) == b"{":
            try:
                request_body = _request_decoder.decode(in_raw)
            except (msgspec.ValidationError, msgspec.DecodeError):
                return None
    identity = rec.identity
    where = _where_arn(rec.modelId, rec.region, rec.inferenceRegion,
                       identity.get("arn") if type(identity) is dict else None)

    account, operation, schema_version, error_code = _envelope_text(
        rec.accountId, rec.operation, rec.schemaVersion, rec.errorCode)
    perf = rec.performanceConfig
    return assemble_row(
        options, source, line_no, request_id, ts,
        account, operation, schema_version, error_code, where,
        None if perf is None else mode_of(perf), rec.serviceTier, rec.requestMetadata,
        inp.inputTokenCount, out.outputTokenCount,
        inp.cacheReadInputTokenCount, inp.cacheWriteInputTokenCount,
        resp, request_body, in_raw, out_raw, inp.inputBodyS3Path or None,
        out.outputBodyS3Path or None)


# The envelope's repeated text (account, operation, schema version, error code) and stop
# reasons: few distinct values, but msgspec builds a new string for every record. Handing
# out one object per distinct value keeps the batch's rows small and their strings in
# cache for the Arrow conversion and the content digests (measured: a column of distinct
# string objects cost ~4x one of shared objects to convert).
_SharedKey = tuple[str | int | None, str | None, str | None, str | None]
_envelope_cache: dict[_SharedKey, tuple[str | None, str | None, str | None, str | None]] = {}
_strings: dict[str, str] = {}
_MAX_SHARED = 10_000


def _envelope_text(account: str | int | None, operation: str | None,
                   schema_version: str | None, error_code: str | None
                   ) -> tuple[str | None, str | None, str | None, str | None]:
    """Account (an int as text), operation, schema version and error code, empty as None:
    computed once per distinct combination."""
    key = (account, operation, schema_version, error_code)
    try:
        return _envelope_cache[key]
    except KeyError:
        pass
    if len(_envelope_cache) > _MAX_SHARED:
        _envelope_cache.clear()
    value = _envelope_cache[key] = (
        str(account) if isinstance(account, int) else account or None,
        operation or None, schema_version or None, error_code or None)
    return value


def _shared(text: str) -> str:
    """One object per distinct (short, repeated) text value."""
    try:
        return _strings[text]
    except KeyError:
        if len(_strings) > _MAX_SHARED:
            _strings.clear()
        _strings[text] = text
        return text
