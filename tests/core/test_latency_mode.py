"""The served-latency decision (docs/served-latency.md), rule by rule."""

from __future__ import annotations

import pytest

from bedrock_logbook.ingest.latency_mode import LatencyMode, normalize_mode, resolve_latency_mode

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
L405 = "meta.llama3-1-405b-instruct-v1:0"
L70 = "meta.llama3-1-70b-instruct-v1:0"


def resolve(log: str | None = None, req: str | None = None, resp: str | None = None,
            model: str | None = HAIKU, region: str | None = "us-east-2",
            tokens: int | None = 500, failed: bool = False) -> LatencyMode:
    return resolve_latency_mode(log_field=log, request_body=req, response_body=resp,
                                model=model, served_region=region, total_tokens=tokens,
                                failed=failed)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ("standard", "standard", "not_requested", None)),
        ({"log": "standard"}, ("standard", "standard", "log_field", None)),
        ({"log": "optimized"}, ("optimized", "optimized", "log_field", None)),
        ({"req": "optimized"}, ("optimized", None, "unknown", None)),
        ({"log": "optimized", "resp": "optimized"},
         ("optimized", "optimized", "response_body", None)),
        ({"log": "optimized", "resp": "standard"},
         ("optimized", "standard", "response_body", "quota_or_capacity")),
        ({"req": "optimized", "log": "standard"},
         ("optimized", "standard", "log_field", "quota_or_capacity")),
        ({"log": "optimized", "failed": True}, ("optimized", None, "failed_request", None)),
        ({"log": "optimized", "model": "anthropic.claude-3-haiku-20240307-v1:0"},
         ("optimized", "standard", "rule:model_not_offered", "model_not_offered")),
        ({"log": "optimized", "region": "us-east-1"},
         ("optimized", "standard", "rule:region_not_offered", "region_not_offered")),
        ({"log": "optimized", "model": L405, "tokens": 11_001},
         ("optimized", "standard", "rule:token_limit_11k", "token_limit_11k")),
        ({"log": "optimized", "model": L405, "tokens": 11_000},
         ("optimized", "optimized", "log_field", None)),
        ({"log": "optimized", "model": L405, "region": "us-west-2"},
         ("optimized", "standard", "rule:region_not_offered", "region_not_offered")),
        ({"log": "optimized", "model": L70, "region": "us-west-2"},
         ("optimized", "optimized", "log_field", None)),
        # The response is the strongest evidence; the rules only name the reason.
        ({"log": "optimized", "resp": "standard", "model": L405, "tokens": 20_000},
         ("optimized", "standard", "response_body", "token_limit_11k")),
        # An application-profile ARN names no model: no model rule can apply.
        ({"log": "optimized", "model": None}, ("optimized", "optimized", "log_field", None)),
    ],
)
def test_rules(kwargs: dict[str, object], expected: tuple[str | None, ...]) -> None:
    got = resolve(**kwargs)  # type: ignore[arg-type]
    assert (got.requested, got.served, got.source, got.fallback_reason) == expected


@pytest.mark.parametrize(
    ("value", "mode"),
    [("OPTIMIZED", "optimized"), ("Standard", "standard"), ({"latency": "optimized"},
     "optimized"), ("fast", None), (None, None), (3, None), ({"latency": None}, None)],
)
def test_normalize_mode(value: object, mode: str | None) -> None:
    assert normalize_mode(value) == mode
