"""Requested and served latency mode of one invocation: the one place that decides it.

The reasoning, with the evidence and AWS's documentation, is in docs/served-latency.md. In
short, strongest evidence first; no rule ever overrides observed evidence:

1. a failed call was not served: served is NULL;
2. the response body's ``performanceConfig`` (AWS: "the latency configuration for a served
   request is visible in API response") is the served mode — confidence ``observed``;
3. a *certain* documented fallback: Llama 3.1 405B asked for optimized and the tokens actually
   used (input + output) exceed 11,000 → standard, ``token_limit`` — ``documented_rule``;
4. the log's top-level ``performanceConfig``, read as the mode Bedrock applied (our reading;
   ``latency_field='requested'`` turns it into the requested mode instead) — ``inferred``;
   a STANDARD record on a request that asked for optimized is a fallback;
5. a *likely* documented fallback: 405B asked for optimized, input tokens + the request's
   maximum output tokens > 11,000 → standard, ``token_limit`` — ``inferred``;
6. nothing in the record asked for optimized: standard, AWS's default route —
   ``documented_rule``;
7. otherwise (optimized asked, nothing says what was served): NULL, ``unknown``.

Fallback reasons are only AWS's documented ones: ``token_limit`` and ``quota_or_capacity``.
Optimized asked for a model/Region AWS does not offer it in is a data-quality flag
(``optimized_not_offered``), never a fallback: AWS rejects such calls, it does not fall back.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

STANDARD = "standard"
OPTIMIZED = "optimized"

# How the log's top-level performanceConfig is read (setting ``latency_field``).
FIELD_APPLIED = "applied"  # Bedrock's record of the mode it applied (default)
FIELD_REQUESTED = "requested"  # the mode the caller asked for
LATENCY_FIELD_READINGS = (FIELD_APPLIED, FIELD_REQUESTED)

OBSERVED = "observed"
DOCUMENTED_RULE = "documented_rule"
INFERRED = "inferred"
UNKNOWN = "unknown"

TOKEN_LIMIT = "token_limit"
QUOTA_OR_CAPACITY = "quota_or_capacity"
NOT_OFFERED = "optimized_not_offered"

# Latency-optimized offerings: base model -> Regions you can call it FROM with optimized (AWS
# doc latency-optimized-inference, column "Regions supporting inference profile"; Nova Pro's
# text also names us-west-2). Not where requests are served: no fallback is derived from it.
OPTIMIZED_OFFERINGS: dict[str, frozenset[str]] = {
    "anthropic.claude-3-5-haiku-20241022-v1:0": frozenset({"us-east-2", "us-west-2"}),
    "meta.llama3-1-70b-instruct-v1:0": frozenset({"us-east-2", "us-west-2"}),
    "meta.llama3-1-405b-instruct-v1:0": frozenset({"us-east-2"}),
    "amazon.nova-pro-v1:0": frozenset({"us-east-1", "us-east-2", "us-west-2"}),
}
# "Latency optimized inference for Llama 3.1 405B currently supports requests with total
# input and output token count up to 11K. For larger token count requests, we will fall back
# to the standard mode." (same doc)
TOKEN_LIMITED_MODELS: dict[str, int] = {"meta.llama3-1-405b-instruct-v1:0": 11_000}

# Strength of the 405B token-limit evidence (see token_limit_evidence).
CERTAIN = "certain"
LIKELY = "likely"


class LatencyMode(NamedTuple):
    requested: str
    served: str | None
    source: str
    confidence: str
    fallback_reason: str | None
    quality_flag: str | None


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


def token_limit_evidence(model: str | None, input_tokens: int | None,
                         output_tokens: int | None, max_output_tokens: int | None) -> str | None:
    """Whether a token-limited model's request was over its optimized limit.

    AWS must decide before generating, from the input and the request's maximum output, so
    input + max output over the limit is only *likely* the cause (we do not know how AWS
    counts); input + output actually used over the limit means the request *certainly* was.
    ``input_tokens`` includes cache reads and writes (the model read them all).
    """
    limit = TOKEN_LIMITED_MODELS.get(model) if model is not None else None
    if limit is None or input_tokens is None:
        return None
    if input_tokens + (output_tokens or 0) > limit:
        return CERTAIN
    if max_output_tokens is not None and input_tokens + max_output_tokens > limit:
        return LIKELY
    return None


def quality_flag(asked_optimized: bool, model: str | None, source_region: str | None) -> str | None:
    """Optimized asked where AWS's table does not offer it (the call Region, not the
    serving one)."""
    if not asked_optimized or model is None:
        return None  # an ARN that names no model: nothing to check
    regions = OPTIMIZED_OFFERINGS.get(model)
    if regions is None or (source_region is not None and source_region not in regions):
        return NOT_OFFERED
    return None


@lru_cache(maxsize=4096)
def resolve_latency_mode(
    log_field: str | None,
    request_body: str | None,
    response_body: str | None,
    model: str | None,
    source_region: str | None,
    token_rule: str | None,
    failed: bool,
    field_is_requested: bool,
) -> LatencyMode:
    """All mode arguments are already normalised ('standard'/'optimized'/None).

    ``token_rule`` is ``token_limit_evidence(...)``: 'certain', 'likely' or None. Called
    positionally once per record; every argument has few distinct values, so the cache hits.
    """
    asked = OPTIMIZED in (log_field, request_body, response_body)
    requested = OPTIMIZED if asked else STANDARD
    flag = quality_flag(asked, model, source_region)
    if failed:
        # The errorCode is seen in the log: nothing was served.
        return LatencyMode(requested, None, "failed_request", OBSERVED, None, flag)
    if response_body is not None:
        reason = None
        if asked and response_body == STANDARD:
            reason = TOKEN_LIMIT if token_rule is not None else QUOTA_OR_CAPACITY
        return LatencyMode(requested, response_body, "response_body", OBSERVED, reason, flag)
    if asked and token_rule == CERTAIN:
        return LatencyMode(requested, STANDARD, "rule:token_limit", DOCUMENTED_RULE,
                           TOKEN_LIMIT, flag)
    if log_field is not None and not field_is_requested:
        if log_field == OPTIMIZED:
            return LatencyMode(requested, OPTIMIZED, "log_field", INFERRED, None, flag)
        if asked:  # the request body asked for optimized, Bedrock recorded standard
            reason = TOKEN_LIMIT if token_rule is not None else QUOTA_OR_CAPACITY
            return LatencyMode(requested, STANDARD, "log_field", INFERRED, reason, flag)
        # Standard under either reading of the field: applied standard, or asked standard and
        # AWS's default route. So as sure as the documented default.
        return LatencyMode(requested, STANDARD, "log_field", DOCUMENTED_RULE, None, flag)
    if asked and token_rule == LIKELY:
        return LatencyMode(requested, STANDARD, "rule:token_limit", INFERRED, TOKEN_LIMIT, flag)
    if not asked:
        # "By default all requests are routed to through standard."
        return LatencyMode(requested, STANDARD, "not_requested", DOCUMENTED_RULE, None, flag)
    return LatencyMode(requested, None, "unknown", UNKNOWN, None, flag)
