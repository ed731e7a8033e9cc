"""Request and response bodies in the shapes Bedrock logs them (log-format.md §3.4).

Each builder turns one decided ``Call`` into ``(inputBodyJson, outputBodyJson)``: Converse and
ConverseStream share the aggregated Converse dict; InvokeModel uses the provider-native
response; InvokeModelWithResponseStream is the list of decoded stream chunks whose last chunk
carries ``amazon-bedrock-invocationMetrics``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bedrock_logbook.ingest.sample_text import split_text

Body = dict[str, Any]

GUARDRAIL_MESSAGE = "Sorry, the model cannot answer this question."
_STOP_BY_FAMILY: dict[str, dict[str, str]] = {
    "converse": {"end": "end_turn", "length": "max_tokens", "stop_sequence": "stop_sequence",
                 "guardrail": "guardrail_intervened"},
    "anthropic_messages": {"end": "end_turn", "length": "max_tokens",
                           "stop_sequence": "stop_sequence", "guardrail": "end_turn"},
    "claude_text": {"end": "stop_sequence", "length": "max_tokens",
                    "stop_sequence": "stop_sequence", "guardrail": "stop_sequence"},
    "titan": {"end": "FINISH", "length": "LENGTH", "stop_sequence": "FINISH",
              "guardrail": "CONTENT_FILTERED"},
    "llama": {"end": "stop", "length": "length", "stop_sequence": "stop", "guardrail": "stop"},
    "nova": {"end": "end_turn", "length": "max_tokens", "stop_sequence": "end_turn",
             "guardrail": "content_filtered"},
}


@dataclass
class Media:
    kind: str  # 'document' | 'image'
    fmt: str  # 'pdf' | 'png' ...
    s3_uri: str
    name: str = ""


@dataclass
class Call:
    """Everything decided about one invocation, before it is dressed as a log record."""

    operation: str
    family: str
    anthropic_model_name: str
    prompt: str
    answer: str
    system: str
    input_tokens: int
    output_tokens: int
    cache_read: int
    cache_write: int  # all cache-write tokens, of which cache_write_1h had a 1-hour TTL
    latency_ms: int
    first_byte_ms: int
    stop: str  # end | length | stop_sequence | guardrail
    max_tokens: int
    temperature: float
    message_id: str
    uses_cache: bool
    newer_format: bool  # 2025+ records: cache counts present
    served_mode: str | None = None  # 'standard'/'optimized' echoed by the Converse response
    echo_request_mode: str | None = None  # performanceConfig echoed in the Converse request
    service_tier: str | None = None
    guardrail: bool = False
    cache_write_1h: int = 0
    cache_details: bool = False  # Converse usage carries the cacheDetails TTL split
    media: list[Media] = field(default_factory=list)


def stop_reason(call: Call) -> str:
    table = _STOP_BY_FAMILY["converse" if call.operation.startswith("Converse") else call.family]
    return table[call.stop]


def build_bodies(call: Call) -> tuple[Body, Body | list[Body]]:
    if call.operation in ("Converse", "ConverseStream"):
        return _converse_request(call), _converse_response(call)
    request = _REQUESTS[call.family](call)
    if call.operation == "InvokeModel":
        return request, _RESPONSES[call.family](call)
    return request, _STREAMS[call.family](call)


def _guardrail_trace() -> Body:
    return {
        "inputAssessment": {
            "l7n9e426howe": {
                "contentPolicy": {
                    "filters": [{"type": "MISCONDUCT", "confidence": "HIGH", "action": "BLOCKED"}]
                },
                "invocationMetrics": {
                    "guardrailProcessingLatency": 312,
                    "usage": {"topicPolicyUnits": 0, "contentPolicyUnits": 1,
                              "wordPolicyUnits": 0, "sensitiveInformationPolicyUnits": 0},
                },
            }
        }
    }


def _invocation_metrics(call: Call) -> Body:
    metrics: Body = {
        "inputTokenCount": call.input_tokens,
        "outputTokenCount": call.output_tokens,
        "invocationLatency": call.latency_ms,
        "firstByteLatency": call.first_byte_ms,
    }
    if call.newer_format and call.uses_cache:
        metrics["cacheReadInputTokenCount"] = call.cache_read
        metrics["cacheWriteInputTokenCount"] = call.cache_write
    return metrics


def _with_guardrail_markers(chunk: Body, call: Call) -> Body:
    if call.guardrail:
        chunk["amazon-bedrock-guardrailAction"] = "INTERVENED"
        chunk["amazon-bedrock-trace"] = {"guardrail": _guardrail_trace()}
    return chunk


def _answer(call: Call) -> str:
    return GUARDRAIL_MESSAGE if call.guardrail else call.answer


# --- Converse / ConverseStream ------------------------------------------------------------


def _converse_request(call: Call) -> Body:
    content: list[Body] = []
    for m in call.media:
        if m.kind == "document":
            content.append({"document": {"format": m.fmt, "name": m.name,
                                         "source": {"s3Uri": m.s3_uri}}})
        else:
            content.append({"image": {"format": m.fmt, "source": {"s3Uri": m.s3_uri}}})
    if call.guardrail:
        content.append({"guardContent": {"text": {"text": call.prompt,
                                                  "qualifiers": ["guard_content"]}}})
    else:
        content.append({"text": call.prompt})
    body: Body = {"messages": [{"role": "user", "content": content}]}
    if call.system:
        system: list[Body] = [{"text": call.system}]
        if call.uses_cache:
            system.append({"cachePoint": {"type": "default"}})
        body["system"] = system
    body["inferenceConfig"] = {"maxTokens": call.max_tokens, "temperature": call.temperature,
                               "topP": 0.999}
    if call.family == "anthropic_messages":
        body["additionalModelRequestFields"] = {"top_k": 250}
    if call.echo_request_mode:
        body["performanceConfig"] = {"latency": call.echo_request_mode}
    return body


def _converse_response(call: Call) -> Body:
    usage: Body = {"inputTokens": call.input_tokens}
    if call.newer_format and call.uses_cache:
        usage["cacheReadInputTokens"] = call.cache_read
        usage["cacheWriteInputTokens"] = call.cache_write
        if call.cache_details and call.cache_write:
            usage["cacheDetails"] = [
                {"ttl": ttl, "inputTokens": n}
                for ttl, n in (("5m", call.cache_write - call.cache_write_1h),
                               ("1h", call.cache_write_1h)) if n]
    usage["outputTokens"] = call.output_tokens
    usage["totalTokens"] = (call.input_tokens + call.output_tokens
                            + (call.cache_read + call.cache_write if "cacheReadInputTokens"
                               in usage else 0))
    body: Body = {
        "output": {"message": {"role": "assistant", "content": [{"text": _answer(call)}]}},
        "stopReason": stop_reason(call),
        "metrics": {"latencyMs": call.latency_ms},
        "usage": usage,
    }
    if call.served_mode:
        body["performanceConfig"] = {"latency": call.served_mode}
    if call.service_tier:
        body["serviceTier"] = {"type": call.service_tier}
    if call.guardrail:
        body["trace"] = {"guardrail": _guardrail_trace()}
    return body


# --- Anthropic Messages -------------------------------------------------------------------


def _anthropic_request(call: Call) -> Body:
    body: Body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": call.max_tokens}
    if call.system:
        if call.uses_cache:
            body["system"] = [{"type": "text", "text": call.system,
                               "cache_control": {"type": "ephemeral"}}]
        else:
            body["system"] = call.system
    body["messages"] = [{"role": "user", "content": [{"type": "text", "text": call.prompt}]}]
    body["temperature"] = call.temperature
    return body


def _anthropic_usage(call: Call, output_tokens: int) -> Body:
    usage: Body = {"input_tokens": call.input_tokens}
    if call.uses_cache and call.newer_format:
        usage["cache_creation_input_tokens"] = call.cache_write
        usage["cache_read_input_tokens"] = call.cache_read
        usage["cache_creation"] = {
            "ephemeral_5m_input_tokens": call.cache_write - call.cache_write_1h,
            "ephemeral_1h_input_tokens": call.cache_write_1h}
    usage["output_tokens"] = output_tokens
    return usage


def _anthropic_response(call: Call) -> Body:
    body: Body = {
        "id": call.message_id, "type": "message", "role": "assistant",
        "model": call.anthropic_model_name,
        "content": [{"type": "text", "text": _answer(call)}],
        "stop_reason": stop_reason(call), "stop_sequence": None,
        "usage": _anthropic_usage(call, call.output_tokens),
    }
    return _with_guardrail_markers(body, call)


def _anthropic_stream(call: Call) -> list[Body]:
    chunks: list[Body] = [
        {"type": "message_start", "message": {
            "id": call.message_id, "type": "message", "role": "assistant",
            "model": call.anthropic_model_name, "content": [], "stop_reason": None,
            "stop_sequence": None, "usage": _anthropic_usage(call, 1)}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    for piece in split_text(_answer(call), 6):
        chunks.append({"type": "content_block_delta", "index": 0,
                       "delta": {"type": "text_delta", "text": piece}})
    chunks.append({"type": "content_block_stop", "index": 0})
    chunks.append({"type": "message_delta",
                   "delta": {"stop_reason": stop_reason(call), "stop_sequence": None},
                   "usage": {"output_tokens": call.output_tokens}})
    last: Body = {"type": "message_stop",
                  "amazon-bedrock-invocationMetrics": _invocation_metrics(call)}
    chunks.append(_with_guardrail_markers(last, call))
    return chunks


# --- Claude v2 text completion --------------------------------------------------------------


def _claude_text_request(call: Call) -> Body:
    return {"prompt": f"\n\nHuman: {call.prompt}\n\nAssistant:",
            "max_tokens_to_sample": call.max_tokens, "temperature": call.temperature,
            "top_k": 250, "top_p": 0.999, "stop_sequences": ["\n\nHuman:"],
            "anthropic_version": "bedrock-2023-05-31"}


def _claude_text_stop(call: Call) -> str | None:
    return "\n\nHuman:" if stop_reason(call) == "stop_sequence" else None


def _claude_text_response(call: Call) -> Body:
    body: Body = {"completion": " " + _answer(call), "stop_reason": stop_reason(call),
                  "stop": _claude_text_stop(call)}
    return _with_guardrail_markers(body, call)


def _claude_text_stream(call: Call) -> list[Body]:
    chunks: list[Body] = [{"completion": piece, "stop_reason": None, "stop": None}
                          for piece in split_text(" " + _answer(call), 6)]
    last: Body = {"completion": "", "stop_reason": stop_reason(call),
                  "stop": _claude_text_stop(call),
                  "amazon-bedrock-invocationMetrics": _invocation_metrics(call)}
    chunks.append(_with_guardrail_markers(last, call))
    return chunks


# --- Amazon Titan Text ----------------------------------------------------------------------


def _titan_request(call: Call) -> Body:
    return {"inputText": call.prompt,
            "textGenerationConfig": {"maxTokenCount": call.max_tokens,
                                     "temperature": call.temperature, "topP": 0.9,
                                     "stopSequences": []}}


def _titan_response(call: Call) -> Body:
    body: Body = {"inputTextTokenCount": call.input_tokens,
                  "results": [{"tokenCount": call.output_tokens, "outputText": _answer(call),
                               "completionReason": stop_reason(call)}]}
    return _with_guardrail_markers(body, call)


def _titan_stream(call: Call) -> list[Body]:
    pieces = split_text(_answer(call), 5)
    chunks: list[Body] = [
        {"outputText": piece, "index": 0, "totalOutputTextTokenCount": None,
         "completionReason": None, "inputTextTokenCount": call.input_tokens if i == 0 else None}
        for i, piece in enumerate(pieces)
    ]
    last: Body = {"outputText": "", "index": 0, "totalOutputTextTokenCount": call.output_tokens,
                  "completionReason": stop_reason(call), "inputTextTokenCount": None,
                  "amazon-bedrock-invocationMetrics": _invocation_metrics(call)}
    chunks.append(_with_guardrail_markers(last, call))
    return chunks


# --- Meta Llama -----------------------------------------------------------------------------


def _llama_request(call: Call) -> Body:
    system = (f"<|start_header_id|>system<|end_header_id|>\n\n{call.system}<|eot_id|>"
              if call.system else "")
    prompt = (f"<|begin_of_text|>{system}<|start_header_id|>user<|end_header_id|>\n\n"
              f"{call.prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    return {"prompt": prompt, "max_gen_len": call.max_tokens, "temperature": call.temperature,
            "top_p": 0.9}


def _llama_response(call: Call) -> Body:
    body: Body = {"generation": _answer(call), "prompt_token_count": call.input_tokens,
                  "generation_token_count": call.output_tokens, "stop_reason": stop_reason(call)}
    return _with_guardrail_markers(body, call)


def _llama_stream(call: Call) -> list[Body]:
    pieces = split_text(_answer(call), 6)
    step = max(1, call.output_tokens // max(1, len(pieces)))
    chunks: list[Body] = [
        {"generation": piece, "prompt_token_count": call.input_tokens if i == 0 else None,
         "generation_token_count": min(call.output_tokens, (i + 1) * step),
         "stop_reason": None}
        for i, piece in enumerate(pieces)
    ]
    last: Body = {"generation": "", "prompt_token_count": None,
                  "generation_token_count": call.output_tokens, "stop_reason": stop_reason(call),
                  "amazon-bedrock-invocationMetrics": _invocation_metrics(call)}
    chunks.append(_with_guardrail_markers(last, call))
    return chunks


# --- Amazon Nova ----------------------------------------------------------------------------


def _nova_request(call: Call) -> Body:
    body: Body = {"schemaVersion": "messages-v1"}
    if call.system:
        body["system"] = [{"text": call.system}]
    body["messages"] = [{"role": "user", "content": [{"text": call.prompt}]}]
    body["inferenceConfig"] = {"max_new_tokens": call.max_tokens,
                               "temperature": call.temperature, "top_p": 0.9}
    return body


def _nova_usage(call: Call) -> Body:
    return {"inputTokens": call.input_tokens, "outputTokens": call.output_tokens,
            "totalTokens": call.input_tokens + call.output_tokens,
            "cacheReadInputTokenCount": call.cache_read,
            "cacheWriteInputTokenCount": call.cache_write}


def _nova_response(call: Call) -> Body:
    body: Body = {"output": {"message": {"content": [{"text": _answer(call)}],
                                         "role": "assistant"}},
                  "stopReason": stop_reason(call), "usage": _nova_usage(call)}
    return _with_guardrail_markers(body, call)


def _nova_stream(call: Call) -> list[Body]:
    chunks: list[Body] = [{"messageStart": {"role": "assistant"}}]
    for piece in split_text(_answer(call), 6):
        chunks.append({"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": 0}})
    chunks.append({"contentBlockStop": {"contentBlockIndex": 0}})
    chunks.append({"messageStop": {"stopReason": stop_reason(call)}})
    last: Body = {"metadata": {"usage": {"inputTokens": call.input_tokens,
                                         "outputTokens": call.output_tokens},
                               "metrics": {}, "trace": {}},
                  "amazon-bedrock-invocationMetrics": _invocation_metrics(call)}
    chunks.append(_with_guardrail_markers(last, call))
    return chunks


_REQUESTS = {"anthropic_messages": _anthropic_request, "claude_text": _claude_text_request,
             "titan": _titan_request, "llama": _llama_request, "nova": _nova_request}
_RESPONSES = {"anthropic_messages": _anthropic_response, "claude_text": _claude_text_response,
              "titan": _titan_response, "llama": _llama_response, "nova": _nova_response}
_STREAMS = {"anthropic_messages": _anthropic_stream, "claude_text": _claude_text_stream,
            "titan": _titan_stream, "llama": _llama_stream, "nova": _nova_stream}
