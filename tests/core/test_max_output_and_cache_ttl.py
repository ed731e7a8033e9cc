"""max_output_tokens per request-body shape, and the cache-write TTL split per response shape.

Bodies are written here as each API documents them; the expected numbers are the ones
typed into the body.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from bedrock_logbook.ingest.parse import ParseOptions, parse_record
from tests.core.records import converse, imwrs_anthropic, invoke_model_anthropic


def parse(record: dict[str, Any]) -> dict[str, Any]:
    return parse_record(msgspec.json.encode(record), ParseOptions(salt=b"t"))


def invoke(body: dict[str, Any], model_id: str) -> dict[str, Any]:
    r = converse(operation="InvokeModel", model_id=model_id)
    r["input"]["inputBodyJson"] = body
    return r


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # Converse: inferenceConfig.maxTokens
        (converse(), 300),
        (invoke({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 4096,
                 "messages": [{"role": "user", "content": "hi"}]},
                "anthropic.claude-3-haiku-20240307-v1:0"), 4096),
        (invoke({"prompt": "<|begin_of_text|>hi", "max_gen_len": 512, "temperature": 0.5},
                "meta.llama3-1-70b-instruct-v1:0"), 512),
        (invoke({"inputText": "hi", "textGenerationConfig": {"maxTokenCount": 1024,
                                                             "temperature": 0}},
                "amazon.titan-text-express-v1"), 1024),
        (invoke({"schemaVersion": "messages-v1",
                 "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                 "inferenceConfig": {"max_new_tokens": 2048, "temperature": 0.7}},
                "amazon.nova-pro-v1:0"), 2048),
        (invoke({"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 300},
                "anthropic.claude-v2:1"), 300),
        # No limit in the body, or no body: NULL, not a guess.
        (invoke({"inputText": "hi"}, "amazon.titan-text-express-v1"), None),
        (invoke({"prompt": "hi", "max_gen_len": "lots"}, "meta.llama3-1-8b-instruct-v1:0"),
         None),
    ],
)
def test_max_output_tokens_per_body_shape(record: dict[str, Any], expected: int | None) -> None:
    assert parse(record)["max_output_tokens"] == expected


def test_max_output_tokens_null_without_a_logged_body() -> None:
    r = converse()
    del r["input"]["inputBodyJson"]
    r["input"]["inputBodyS3Path"] = "s3://b/data/x_input.json.gz"
    assert parse(r)["max_output_tokens"] is None


def _split(row: dict[str, Any]) -> tuple[Any, Any, Any]:
    return row["cache_write_tokens"], row["cache_write_5m_tokens"], row["cache_write_1h_tokens"]


def test_converse_cache_details_split() -> None:
    r = converse()
    r["input"]["cacheWriteInputTokenCount"] = 1500
    r["output"]["outputBodyJson"]["usage"].update({
        "cacheWriteInputTokens": 1500,
        "cacheDetails": [{"ttl": "5m", "inputTokens": 1000}, {"ttl": "1h", "inputTokens": 500}],
    })
    assert _split(parse(r)) == (1500, 1000, 500)
    only_hour = converse()
    only_hour["output"]["outputBodyJson"]["usage"]["cacheDetails"] = [
        {"ttl": "1h", "inputTokens": 700}]
    # No top-level count: the total is the split's sum, 0 + 700.
    assert _split(parse(only_hour)) == (700, 0, 700)


def test_converse_unreadable_cache_details_leave_the_split_unknown() -> None:
    r = converse()
    r["output"]["outputBodyJson"]["usage"]["cacheDetails"] = [
        {"ttl": "5m", "inputTokens": 100}, {"ttl": "24h", "inputTokens": 50}]
    assert _split(parse(r))[1:] == (None, None)


def test_no_split_logged_is_null() -> None:
    r = converse()
    r["input"]["cacheWriteInputTokenCount"] = 900
    assert _split(parse(r)) == (900, None, None)


def test_anthropic_invoke_model_cache_creation_split() -> None:
    r = invoke_model_anthropic()
    r["output"]["outputBodyJson"]["usage"].update({
        "cache_creation_input_tokens": 2400, "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 400,
                           "ephemeral_1h_input_tokens": 2000}})
    assert _split(parse(r)) == (2400, 400, 2000)


def test_anthropic_stream_message_start_cache_creation_split() -> None:
    r = imwrs_anthropic()
    r["output"]["outputBodyJson"][0]["message"]["usage"] = {
        "input_tokens": 100, "cache_creation_input_tokens": 3000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 3000}}
    r["input"]["cacheWriteInputTokenCount"] = 3000
    assert _split(parse(r)) == (3000, 0, 3000)
