"""Each record shape of log-format.md parses to the right columns (pure parser, no IO)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bedrock_logbook.ingest.parse import ROW_FIELDS, ParseOptions, Rejected, parse_record
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from tests.core.records import PROFILE_ARN, converse, imwrs_anthropic, invoke_model_anthropic


def parse(record: dict[str, Any], **opts: Any) -> dict[str, Any]:
    return parse_record(json.dumps(record).encode(), ParseOptions(salt=b"t", **opts))


def test_row_fields_follow_the_lake_schema() -> None:
    assert list(ROW_FIELDS) == INVOCATIONS_SCHEMA.names


def test_converse_dict_body() -> None:
    row = parse(converse(latency_ms=1500, output_tokens=300))
    assert (row["latency_ms"], row["output_tokens"], row["stop_reason"]) == (1500, 300, "end_turn")
    assert row["output_tokens_per_s"] == pytest.approx(200.0)


def test_conversestream_is_an_aggregated_dict_too() -> None:
    row = parse(converse(operation="ConverseStream", latency_ms=900))
    assert (row["operation"], row["latency_ms"]) == ("ConverseStream", 900)


def test_invoke_model_has_no_latency_and_null_not_zero() -> None:
    row = parse(invoke_model_anthropic())
    assert row["latency_ms"] is None and row["output_tokens_per_s"] is None
    assert row["first_byte_ms"] is None
    assert (row["input_tokens"], row["output_tokens"], row["stop_reason"]) == (100, 50, "end_turn")


@pytest.mark.parametrize(
    ("body", "stop"),
    [
        ({"completion": "x", "stop_reason": "stop_sequence", "stop": "\n\nHuman:"},
         "stop_sequence"),  # Claude v2 text
        ({"inputTextTokenCount": 5, "results": [{"tokenCount": 9, "outputText": "x",
                                                  "completionReason": "FINISH"}]}, "FINISH"),
        ({"generation": "x", "prompt_token_count": 5, "generation_token_count": 9,
          "stop_reason": "stop"}, "stop"),  # Llama
        ({"output": {"message": {"role": "assistant", "content": [{"text": "x"}]}},
          "stopReason": "end_turn", "usage": {"inputTokens": 5, "outputTokens": 9}},
         "end_turn"),  # Nova via InvokeModel
    ],
    ids=["claude-v2", "titan", "llama", "nova"],
)
def test_invoke_model_provider_native_bodies(body: dict[str, Any], stop: str) -> None:
    r = invoke_model_anthropic()
    r["output"]["outputBodyJson"] = body
    row = parse(r)
    assert row["stop_reason"] == stop
    assert row["latency_ms"] is None


def test_imwrs_chunk_list_metrics_and_odd_chunks() -> None:
    row = parse(imwrs_anthropic())
    assert (row["latency_ms"], row["first_byte_ms"]) == (2100, 480)
    assert row["stop_reason"] == "max_tokens"
    assert row["output_tokens_per_s"] == pytest.approx(50 * 1000 / 2100)


def test_imwrs_cache_tokens_from_metrics_when_input_lacks_them() -> None:
    row = parse(imwrs_anthropic(metrics={
        "inputTokenCount": 3, "outputTokenCount": 9, "invocationLatency": 700,
        "firstByteLatency": 200, "cacheReadInputTokenCount": 1000,
        "cacheWriteInputTokenCount": 20}))
    assert (row["cache_read_tokens"], row["cache_write_tokens"]) == (1000, 20)


def test_imwrs_guardrail_marker_in_chunk() -> None:
    r = imwrs_anthropic()
    r["output"]["outputBodyJson"].append({"amazon-bedrock-guardrailAction": "INTERVENED"})
    assert parse(r)["guardrail_action"] == "INTERVENED"


def test_imwrs_chunks_that_are_json_strings_do_not_break() -> None:
    r = imwrs_anthropic()
    r["output"]["outputBodyJson"] = ["{not json", None, [], {"amazon-bedrock-invocationMetrics":
                                     {"invocationLatency": 10, "firstByteLatency": 5}}]
    row = parse(r)
    assert (row["latency_ms"], row["first_byte_ms"]) == (10, 5)


def test_body_absent_cloudwatch_only() -> None:
    r = imwrs_anthropic()
    del r["input"]["inputBodyJson"]
    del r["output"]["outputBodyJson"]
    row = parse(r)
    assert row["input_body_bytes"] is None and row["output_body_bytes"] is None
    assert row["latency_ms"] is None and row["prompt_fp"] is None
    assert row["input_tokens"] == 100  # counts survive the dropped body


def test_bodies_offloaded_to_s3() -> None:
    r = imwrs_anthropic()
    rid = r["requestId"]
    base = "s3://b/AWSLogs/1/BedrockModelInvocationLogs/us-east-2/2026/11/02/10/data/"
    del r["input"]["inputBodyJson"]
    del r["output"]["outputBodyJson"]
    r["input"]["inputBodyS3Path"] = f"{base}{rid}_input.json.gz"
    r["output"]["outputBodyS3Path"] = f"{base}{rid}_output.json.gz"
    row = parse(r)
    assert row["input_body_s3_path"].endswith("_input.json.gz")
    assert row["output_body_s3_path"].endswith("_output.json.gz")
    assert row["latency_ms"] is None  # offloaded stream output loses the inline metrics


@pytest.mark.parametrize(
    ("model_id", "model", "kind", "scope"),
    [
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
         "base", None),
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0",
         "anthropic.claude-3-5-haiku-20241022-v1:0", "system_profile", "us"),
        ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
         "anthropic.claude-3-5-sonnet-20240620-v1:0", "system_profile", "eu"),
        ("apac.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "system_profile", "apac"),
        ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
         "anthropic.claude-sonnet-4-5-20250929-v1:0", "system_profile", "jp"),
        ("au.anthropic.claude-sonnet-4-5-20250929-v1:0",
         "anthropic.claude-sonnet-4-5-20250929-v1:0", "system_profile", "au"),
        ("ca.anthropic.claude-sonnet-4-5-20250929-v1:0",
         "anthropic.claude-sonnet-4-5-20250929-v1:0", "system_profile", "ca"),
        ("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",
         "anthropic.claude-sonnet-4-5-20250929-v1:0", "system_profile", "us-gov"),
        ("global.anthropic.claude-opus-4-6-v1", "anthropic.claude-opus-4-6-v1",
         "system_profile", "global"),
        (PROFILE_ARN, "anthropic.claude-3-5-haiku-20241022-v1:0", "profile_arn", "us"),
        ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
         None, "application_profile_arn", "application"),
        ("arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123xyz", None,
         "provisioned_model_arn", None),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
         "amazon.titan-text-express-v1", "foundation_model_arn", None),
        ("arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/"
         "us-gov.anthropic.claude-3-haiku-20240307-v1:0",
         "anthropic.claude-3-haiku-20240307-v1:0", "profile_arn", "us-gov"),
    ],
)
def test_model_id_forms(model_id: str, model: str | None, kind: str, scope: str | None) -> None:
    row = parse(converse(model_id=model_id))
    assert (row["model_id"], row["model"], row["model_id_kind"], row["profile_scope"]) == (
        model_id, model, kind, scope)


@pytest.mark.parametrize(
    ("logged", "expected_region", "cross"),
    [(None, "us-east-2", False), ("us-east-2", "us-east-2", False),
     ("us-west-2", "us-west-2", True)],
    ids=["absent", "equal", "different"],
)
def test_inference_region(logged: str | None, expected_region: str, cross: bool) -> None:
    r = converse(region="us-east-2")
    if logged:
        r["inferenceRegion"] = logged
    row = parse(r)
    assert (row["region"], row["inference_region"], row["cross_region"]) == (
        "us-east-2", expected_region, cross)


@pytest.mark.parametrize("value", ["OPTIMIZED", "optimized", "Optimized"])
def test_performance_config_any_case_at_top_level(value: str) -> None:
    row = parse(converse(performanceConfig={"latency": value}))
    assert (row["requested_latency"], row["served_latency"]) == ("optimized", "optimized")
    assert row["served_latency_source"] == "log_field"


def test_performance_config_echoed_in_request_and_response_bodies() -> None:
    r = converse()
    r["input"]["inputBodyJson"]["performanceConfig"] = {"latency": "optimized"}
    r["output"]["outputBodyJson"]["performanceConfig"] = {"latency": "standard"}
    row = parse(r)
    assert (row["requested_latency"], row["served_latency"]) == ("optimized", "standard")
    assert (row["served_latency_source"], row["fallback_reason"]) == (
        "response_body", "quota_or_capacity")


def test_performance_config_absent_defaults_to_standard() -> None:
    row = parse(converse())
    assert (row["requested_latency"], row["served_latency"], row["served_latency_source"]) == (
        "standard", "standard", "not_requested")


@pytest.mark.parametrize(("tier", "expected"), [("flex", "flex"), ({"type": "PRIORITY"},
                                                                   "priority")])
def test_service_tier(tier: Any, expected: str) -> None:
    assert parse(converse(serviceTier=tier))["service_tier"] == expected


def test_service_tier_absent_is_null() -> None:
    assert parse(converse())["service_tier"] is None


def test_error_code_record_without_output() -> None:
    r = converse(errorCode="ThrottlingException", performanceConfig={"latency": "OPTIMIZED"})
    del r["output"]
    row = parse(r)
    assert row["error_code"] == "ThrottlingException"
    assert row["latency_ms"] is None and row["output_tokens"] is None
    assert (row["requested_latency"], row["served_latency"], row["served_latency_source"]) == (
        "optimized", None, "failed_request")


def test_guardrail_intervention_converse() -> None:
    r = converse()
    r["output"]["outputBodyJson"]["stopReason"] = "guardrail_intervened"
    r["output"]["outputBodyJson"]["trace"] = {"guardrail": {"inputAssessment": {}}}
    assert parse(r)["guardrail_action"] == "INTERVENED"


def test_cache_tokens_present_and_absent() -> None:
    r = converse()
    r["input"]["cacheReadInputTokenCount"] = 900
    r["input"]["cacheWriteInputTokenCount"] = 0
    row = parse(r)
    assert (row["cache_read_tokens"], row["cache_write_tokens"]) == (900, 0)
    old = parse(converse())
    assert (old["cache_read_tokens"], old["cache_write_tokens"]) == (None, None)


def test_cache_tokens_from_converse_usage_when_input_lacks_them() -> None:
    r = converse()
    r["output"]["outputBodyJson"]["usage"]["cacheReadInputTokens"] = 77
    assert parse(r)["cache_read_tokens"] == 77


def test_request_metadata_map_and_json_string() -> None:
    assert parse(converse(requestMetadata={"team": "a", "env": "prod"}))["request_metadata"] == [
        ("env", "prod"), ("team", "a")]
    assert parse(converse(requestMetadata='{"team": "b"}'))["request_metadata"] == [("team", "b")]


def test_key_order_never_matters() -> None:
    r = converse()
    reordered = dict(reversed(list(r.items())))
    assert parse(reordered) == parse(r)


def test_unknown_extra_fields_are_ignored() -> None:
    r = converse(status="Completed", brandNewField={"x": [1, 2]})
    r["output"]["outputVideoDurationSeconds"] = 6.0
    r["output"]["outputBodyJson"]["newMetric"] = {"a": 1}
    assert parse(r)["request_id"] == r["requestId"]


def test_odd_types_become_null_not_errors() -> None:
    r = converse()
    r["input"]["inputTokenCount"] = "12"
    r["output"]["outputTokenCount"] = 2.5  # a negative count is quarantined (test_hostile_lines)
    r["output"]["outputBodyJson"]["metrics"] = {"latencyMs": "fast"}
    r["output"]["outputBodyJson"]["usage"] = ["not", "a", "dict"]
    row = parse(r)
    assert (row["input_tokens"], row["output_tokens"], row["latency_ms"]) == (12, None, None)


def test_numeric_account_id_keeps_text() -> None:
    assert parse(converse(accountId=12345678901))["account_id"] == "12345678901"


def test_bodies_not_stored_by_default_but_sizes_and_fingerprints_are() -> None:
    row = parse(converse())
    assert row["input_body_json"] is None and row["output_body_json"] is None
    assert row["input_body_bytes"] > 0 and row["output_body_bytes"] > 0
    assert len(row["system_prompt_fp"]) == 16 and len(row["prompt_fp"]) == 16
    kept = parse(converse(), keep_bodies=True)
    assert json.loads(kept["input_body_json"])["system"] == [{"text": "be brief"}]


def test_fingerprints_depend_on_salt_and_prompt_not_on_settings() -> None:
    a = converse()
    b = converse()
    b["input"]["inputBodyJson"]["inferenceConfig"] = {"maxTokens": 1}
    c = converse()
    c["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = "other"
    ra, rb, rc = parse(a), parse(b), parse(c)
    assert ra["prompt_fp"] == rb["prompt_fp"] != rc["prompt_fp"]
    assert ra["system_prompt_fp"] == rc["system_prompt_fp"]
    other_salt = parse_record(json.dumps(a).encode(), ParseOptions(salt=b"other"))
    assert other_salt["prompt_fp"] != ra["prompt_fp"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"requestId": "x", "timestamp": ', "malformed_json"),
        (b'"just a string"', "not_a_record"),
        (b'[1, 2]', "not_a_record"),
        (json.dumps({"schemaType": "Other", "requestId": "a"}).encode(), "not_an_invocation_log"),
        (json.dumps({"eventVersion": "1.09", "requestID": "a"}).encode(),
         "not_an_invocation_log"),
        (json.dumps({"schemaType": "ModelInvocationLog", "timestamp": "2026-01-01T00:00:00Z"})
         .encode(), "missing_request_id"),
        (json.dumps({"schemaType": "ModelInvocationLog", "requestId": "a",
                     "timestamp": "yesterday"}).encode(), "bad_timestamp"),
        (json.dumps({"schemaType": "ModelInvocationLog", "requestId": "a",
                     "timestamp": "1970-01-01T00:00:00Z"}).encode(), "bad_timestamp"),
        (json.dumps({"schemaType": "ModelInvocationLog", "requestId": "a",
                     "timestamp": 1700000000}).encode(), "bad_timestamp"),
        (json.dumps({"schemaType": "ModelInvocationLog", "requestId": "a",
                     "timestamp": "2026-01-01T00:00:00Z", "input": "oops"}).encode(),
         "not_a_record"),
    ],
)
def test_unusable_lines_are_rejected_with_reason(line: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as info:
        parse_record(line)
    assert info.value.reason == reason
    assert info.value.detail


def test_timestamp_with_offset_and_fraction_is_normalised_to_utc() -> None:
    row = parse(converse(timestamp="2026-11-02T19:00:00.250+09:00"))
    assert row["ts"].isoformat() == "2026-11-02T10:00:00.250000+00:00"
