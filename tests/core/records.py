"""Builders of ModelInvocationLog records in the shapes log-format.md describes."""

from __future__ import annotations

import copy
from typing import Any

PROFILE_ARN = (
    "arn:aws:bedrock:us-east-2:123456789012:inference-profile/"
    "us.anthropic.claude-3-5-haiku-20241022-v1:0"
)


def converse(
    request_id: str = "11111111-0000-0000-0000-000000000001",
    *,
    operation: str = "Converse",
    model_id: str = "us.anthropic.claude-3-5-haiku-20241022-v1:0",
    region: str = "us-east-2",
    timestamp: str = "2026-11-02T10:00:00Z",
    latency_ms: int | None = 1200,
    input_tokens: int = 100,
    output_tokens: int = 50,
    **top: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens,
                  "totalTokens": input_tokens + output_tokens},
    }
    if latency_ms is not None:
        body["metrics"] = {"latencyMs": latency_ms}
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": timestamp,
        "accountId": "123456789012",
        "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/App/session-1"},
        "region": region,
        "requestId": request_id,
        "operation": operation,
        "modelId": model_id,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {
                "messages": [{"role": "user", "content": [{"text": "hello"}]}],
                "system": [{"text": "be brief"}],
                "inferenceConfig": {"maxTokens": 300},
            },
            "inputTokenCount": input_tokens,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": body,
            "outputTokenCount": output_tokens,
        },
    }
    record.update(top)
    return record


def invoke_model_anthropic(request_id: str = "22222222-0000-0000-0000-000000000001",
                           **top: Any) -> dict[str, Any]:
    r = converse(request_id, operation="InvokeModel", **top)
    r["input"]["inputBodyJson"] = {
        "anthropic_version": "bedrock-2023-05-31", "system": "be brief", "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    }
    r["output"]["outputBodyJson"] = {
        "id": "msg_bdrk_1", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 100, "output_tokens": 50},
    }
    return r


def imwrs_anthropic(request_id: str = "33333333-0000-0000-0000-000000000001",
                    *, metrics: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    r = invoke_model_anthropic(request_id, **top)
    r["operation"] = "InvokeModelWithResponseStream"
    last: dict[str, Any] = {"type": "message_stop"}
    last["amazon-bedrock-invocationMetrics"] = metrics or {
        "inputTokenCount": 100, "outputTokenCount": 50, "invocationLatency": 2100,
        "firstByteLatency": 480,
    }
    r["output"]["outputBodyJson"] = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 100}}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "hi"}},
        "a stray string chunk",
        42,
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}},
        last,
    ]
    return r


def clone(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    r = copy.deepcopy(record)
    r.update(changes)
    return r
