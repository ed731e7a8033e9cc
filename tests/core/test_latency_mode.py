"""The served-latency decision (docs/served-latency.md), rule by rule, on whole records.

Each case builds a record and states by hand what the row must say: requested, served,
source, confidence, fallback reason, quality flag. Token arithmetic for the 405B rules is
written out next to each case.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

from bedrock_logbook import settings
from bedrock_logbook.ingest import latency_mode
from bedrock_logbook.ingest.latency_mode import normalize_mode
from bedrock_logbook.ingest.parse import ParseOptions, parse_record
from tests.core.records import converse

HAIKU_PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
L405_PROFILE = "us.meta.llama3-1-405b-instruct-v1:0"
SONNET_PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
APP_PROFILE = ("arn:aws:bedrock:us-east-2:123456789012:application-inference-profile/"
               "a1b2c3d4e5f6")


def parse(record: dict[str, Any], field: str = "applied") -> tuple[Any, ...]:
    row = parse_record(msgspec.json.encode(record), ParseOptions(salt=b"t", latency_field=field))
    return (row["requested_latency"], row["served_latency"], row["served_latency_source"],
            row["served_latency_confidence"], row["fallback_reason"],
            row["latency_quality_flag"])


def llama_invoke(input_tokens: int, output_tokens: int, max_gen_len: int,
                 **top: Any) -> dict[str, Any]:
    """A Llama 3.1 405B InvokeModel record (native body: prompt, max_gen_len)."""
    r = converse(operation="InvokeModel", model_id=L405_PROFILE, region="us-east-2",
                 input_tokens=input_tokens, output_tokens=output_tokens, **top)
    r["input"]["inputBodyJson"] = {"prompt": "<|begin_of_text|>summarize ...",
                                   "max_gen_len": max_gen_len, "temperature": 0.5}
    r["output"]["outputBodyJson"] = {"generation": "...", "prompt_token_count": input_tokens,
                                     "generation_token_count": output_tokens,
                                     "stop_reason": "stop"}
    return r


def with_bodies(record: dict[str, Any], request: str | None = None,
                response: str | None = None) -> dict[str, Any]:
    r = copy.deepcopy(record)
    if request:
        r["input"]["inputBodyJson"]["performanceConfig"] = {"latency": request}
    if response:
        r["output"]["outputBodyJson"]["performanceConfig"] = {"latency": response}
    return r


OPT = {"performanceConfig": {"latency": "OPTIMIZED"}}
STD = {"performanceConfig": {"latency": "STANDARD"}}


# --- default reading: the top-level field is the mode Bedrock applied -----------------------


def test_nothing_asked_is_standard_by_the_documented_default() -> None:
    assert parse(converse()) == (
        "standard", "standard", "not_requested", "documented_rule", None, None)


def test_top_level_optimized_is_the_applied_mode_inferred() -> None:
    assert parse(converse(**OPT)) == (
        "optimized", "optimized", "log_field", "inferred", None, None)


def test_top_level_standard_alone_is_standard_either_way() -> None:
    assert parse(converse(**STD)) == (
        "standard", "standard", "log_field", "documented_rule", None, None)


def test_standard_record_on_an_optimized_request_is_a_quota_or_capacity_fallback() -> None:
    r = with_bodies(converse(**STD), request="optimized")
    assert parse(r) == ("optimized", "standard", "log_field", "inferred",
                        "quota_or_capacity", None)


def test_optimized_served_in_a_region_missing_from_the_table_stays_optimized() -> None:
    # Haiku 3.5 optimized: the table lists us-east-2 and us-west-2 (call Regions). Called
    # from us-east-2, served in us-east-1: the log says OPTIMIZED, and that is what it was.
    r = converse(region="us-east-2", inferenceRegion="us-east-1", **OPT)
    assert parse(r) == ("optimized", "optimized", "log_field", "inferred", None, None)


def test_optimized_asked_where_not_offered_is_a_flag_not_a_fallback() -> None:
    # Sonnet 4.5 has no optimized version; Haiku 3.5 is not offered from us-east-1.
    assert parse(converse(model_id=SONNET_PROFILE, region="us-east-1", **OPT)) == (
        "optimized", "optimized", "log_field", "inferred", None, "optimized_not_offered")
    assert parse(converse(region="us-east-1", **OPT)) == (
        "optimized", "optimized", "log_field", "inferred", None, "optimized_not_offered")
    rejected = converse(region="us-east-1", errorCode="ValidationException", **OPT)
    del rejected["output"]["outputBodyJson"]
    assert parse(rejected) == (
        "optimized", None, "failed_request", "observed", None, "optimized_not_offered")


def test_application_profile_names_no_model_so_no_flag() -> None:
    assert parse(converse(model_id=APP_PROFILE, **OPT)) == (
        "optimized", "optimized", "log_field", "inferred", None, None)


def test_failed_call_was_not_served() -> None:
    r = converse(errorCode="ThrottlingException", **OPT)
    assert parse(r) == ("optimized", None, "failed_request", "observed", None, None)


@pytest.mark.parametrize("field", ["applied", "requested"])
def test_observed_response_body_beats_every_rule(field: str) -> None:
    # Response says optimized although the top-level field says STANDARD, and although the
    # 405B actually used 9,000 + 2,500 = 11,500 > 11,000 tokens (the certain rule).
    r = with_bodies(converse(model_id=L405_PROFILE, input_tokens=9_000, output_tokens=2_500,
                             **STD), response="optimized")
    assert parse(r, field) == ("optimized", "optimized", "response_body", "observed", None,
                               None)
    # Response says standard on an optimized request: observed fallback, reason from the
    # 405B rule (9,000 + 2,500 > 11,000).
    r = with_bodies(converse(model_id=L405_PROFILE, input_tokens=9_000, output_tokens=2_500,
                             **OPT), response="standard")
    assert parse(r, field) == ("optimized", "standard", "response_body", "observed",
                               "token_limit", None)
    # Same without the token excess (100 + 50): the remaining documented cause.
    r = with_bodies(converse(**OPT), response="standard")
    assert parse(r, field) == ("optimized", "standard", "response_body", "observed",
                               "quota_or_capacity", None)


def test_405b_tokens_actually_used_over_11k_is_a_certain_fallback() -> None:
    # 10,500 input + 600 output = 11,100 > 11,000: AWS documents a fallback; even if the log
    # says OPTIMIZED the documented rule wins over our reading of the field.
    r = llama_invoke(10_500, 600, max_gen_len=1_024, **OPT)
    assert parse(r) == ("optimized", "standard", "rule:token_limit", "documented_rule",
                        "token_limit", None)


def test_405b_at_exactly_11k_is_no_fallback() -> None:
    # 10,000 + 1,000 = 11,000, not more; max: 10,000 + 1,000 = 11,000, not more.
    r = llama_invoke(10_000, 1_000, max_gen_len=1_000, **OPT)
    assert parse(r) == ("optimized", "optimized", "log_field", "inferred", None, None)


def test_405b_max_tokens_over_11k_is_only_likely() -> None:
    # 9,000 input + 2,048 max_gen_len = 11,048 > 11,000, but only 9,000 + 400 = 9,400 used.
    # Under the default reading the log's OPTIMIZED outranks a merely likely rule...
    r = llama_invoke(9_000, 400, max_gen_len=2_048, **OPT)
    assert parse(r) == ("optimized", "optimized", "log_field", "inferred", None, None)
    # ...and when the field is the requested mode, the likely rule decides (inferred).
    assert parse(r, "requested") == ("optimized", "standard", "rule:token_limit", "inferred",
                                     "token_limit", None)
    # A Converse request that echoes optimized and logs no top-level field: likely rule too.
    c = with_bodies(converse(model_id=L405_PROFILE, input_tokens=9_000, output_tokens=400),
                    request="optimized")
    c["input"]["inputBodyJson"]["inferenceConfig"] = {"maxTokens": 2_048}
    assert parse(c) == ("optimized", "standard", "rule:token_limit", "inferred",
                        "token_limit", None)
    # A 405B standard record on an echoed-optimized request, over 11K by max tokens: the
    # fallback's likely cause is the token limit, not the quota.
    c = with_bodies(converse(model_id=L405_PROFILE, input_tokens=9_000, output_tokens=400,
                             **STD), request="optimized")
    c["input"]["inputBodyJson"]["inferenceConfig"] = {"maxTokens": 2_048}
    assert parse(c) == ("optimized", "standard", "log_field", "inferred", "token_limit", None)


def test_token_rules_apply_only_to_the_405b() -> None:
    r = llama_invoke(10_500, 600, max_gen_len=1_024, **OPT)
    r["modelId"] = "us.meta.llama3-1-70b-instruct-v1:0"
    assert parse(r) == ("optimized", "optimized", "log_field", "inferred", None, None)


# --- the setting flip: the top-level field is the requested mode ----------------------------


def test_setting_flip_makes_the_field_a_request_not_evidence() -> None:
    # OPTIMIZED asked, nothing says what was served: unknown.
    assert parse(converse(**OPT), "requested") == (
        "optimized", None, "unknown", "unknown", None, None)
    # STANDARD asked: AWS's default route.
    assert parse(converse(**STD), "requested") == (
        "standard", "standard", "not_requested", "documented_rule", None, None)
    # The certain 405B rule still applies (10,500 + 600 > 11,000).
    assert parse(llama_invoke(10_500, 600, 1_024, **OPT), "requested") == (
        "optimized", "standard", "rule:token_limit", "documented_rule", "token_limit", None)


def test_setting_is_read_from_env_and_flag() -> None:
    s = settings.Settings.load({"BEDROCK_LOGBOOK_LATENCY_FIELD": "Requested"})
    assert s.latency_field == "requested"
    assert settings.Settings.load({}).latency_field == "applied"
    assert settings.Settings.load({"BEDROCK_LOGBOOK_LATENCY_FIELD": "requested"},
                                  latency_field="applied").latency_field == "applied"
    with pytest.raises(settings.SettingsError, match="BEDROCK_LOGBOOK_LATENCY_FIELD"):
        settings.Settings.load({"BEDROCK_LOGBOOK_LATENCY_FIELD": "served"})
    # settings.py imports no project package, so it keeps its own copy of the choices.
    assert settings.LATENCY_FIELD_READINGS == latency_mode.LATENCY_FIELD_READINGS


@pytest.mark.parametrize(
    ("value", "mode"),
    [("OPTIMIZED", "optimized"), ("Standard", "standard"), ({"latency": "optimized"},
     "optimized"), ("fast", None), (None, None), (3, None), ({"latency": None}, None)],
)
def test_normalize_mode(value: object, mode: str | None) -> None:
    assert normalize_mode(value) == mode
