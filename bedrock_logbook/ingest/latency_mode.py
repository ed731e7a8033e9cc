"""Requested and served latency mode of one invocation: the one place that decides it.

The reasoning, with the evidence from the seeds and AWS's documentation, is in
docs/served-latency.md. In short, strongest evidence first:

1. a failed call was not served: served is NULL;
2. the response body's ``performanceConfig`` (AWS: "the latency configuration for a served
   request is visible in API response") is the served mode;
3. nothing asked for optimized: served standard (AWS: "By default all requests are routed
   through standard");
4. optimized was asked for, but AWS's documented fallbacks apply: the model has no optimized
   version, the serving Region does not offer it, or Llama 3.1 405B above 11K total tokens;
5. the log's top-level ``performanceConfig`` (Bedrock's own record; in seed 003 every
   OPTIMIZED record ran in the optimized Region and every STANDARD one did not);
6. otherwise (only the request body asked, the log is silent): unknowable, NULL.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

STANDARD = "standard"
OPTIMIZED = "optimized"

# Latency-optimized offerings: base model -> Regions where it is served (AWS doc
# latency-optimized-inference, current table; Nova Pro's text also names us-west-2, and we
# would rather miss a fallback than invent one).
OPTIMIZED_OFFERINGS: dict[str, frozenset[str]] = {
    "anthropic.claude-3-5-haiku-20241022-v1:0": frozenset({"us-east-2", "us-west-2"}),
    "meta.llama3-1-70b-instruct-v1:0": frozenset({"us-east-2", "us-west-2"}),
    "meta.llama3-1-405b-instruct-v1:0": frozenset({"us-east-2"}),
    "amazon.nova-pro-v1:0": frozenset({"us-east-1", "us-east-2", "us-west-2"}),
}
TOKEN_LIMITED_MODELS: dict[str, int] = {"meta.llama3-1-405b-instruct-v1:0": 11_000}


class LatencyMode(NamedTuple):
    requested: str
    served: str | None
    source: str
    fallback_reason: str | None


def normalize_mode(value: object) -> str | None:
    """'STANDARD'/'standard'/{'latency': 'optimized'} → 'standard'/'optimized'; else None."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("latency")
    if isinstance(value, str):
        v = value.strip().lower()
        if v in (STANDARD, OPTIMIZED):
            return v
    return None


def _documented_fallback(
    model: str | None, served_region: str | None, total_tokens: int | None
) -> str | None:
    if model is None:
        return None  # an ARN that names no model: we cannot apply model rules
    regions = OPTIMIZED_OFFERINGS.get(model)
    if regions is None:
        return "model_not_offered"
    if served_region is not None and served_region not in regions:
        return "region_not_offered"
    limit = TOKEN_LIMITED_MODELS.get(model)
    if limit is not None and total_tokens is not None and total_tokens > limit:
        return "token_limit_11k"
    return None


@lru_cache(maxsize=4096)
def resolve_latency_mode(
    log_field: str | None,
    request_body: str | None,
    response_body: str | None,
    model: str | None,
    served_region: str | None,
    total_tokens: int | None,
    failed: bool,
) -> LatencyMode:
    """All mode arguments are already normalised ('standard'/'optimized'/None)."""
    asked = OPTIMIZED in (log_field, request_body)
    requested = OPTIMIZED if asked else STANDARD
    if failed:
        return LatencyMode(requested, None, "failed_request", None)
    if response_body is not None:
        reason = None
        if asked and response_body == STANDARD:
            reason = _documented_fallback(model, served_region, total_tokens) or "quota_or_capacity"
        return LatencyMode(requested, response_body, "response_body", reason)
    if not asked:
        source = "log_field" if log_field == STANDARD else "not_requested"
        return LatencyMode(requested, STANDARD, source, None)
    rule = _documented_fallback(model, served_region, total_tokens)
    if rule is not None:
        return LatencyMode(requested, STANDARD, f"rule:{rule}", rule)
    if log_field is not None:
        reason = "quota_or_capacity" if log_field == STANDARD else None
        return LatencyMode(requested, log_field, "log_field", reason)
    return LatencyMode(requested, None, "unknown", None)
