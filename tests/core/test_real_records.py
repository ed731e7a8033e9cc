"""Every real record in tests/fixtures ingests to the row a careful reader expects, or is
quarantined with a reason when the record itself is unusable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.parse import ParseOptions, Rejected, parse_record
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects
from tests.shared_data import REAL_LOGS, real_log, seed_records

KEYS = (
    "request_id", "operation", "model", "model_id_kind", "profile_scope", "region",
    "inference_region", "cross_region", "requested_latency", "served_latency",
    "served_latency_source", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "latency_ms", "first_byte_ms", "stop_reason", "guardrail_action",
    "caller",
)

# Hand-read from each file in tests/fixtures/real_logs (see tests/fixtures/SOURCES.md).
EXPECTED_REAL: dict[str, dict[str, Any]] = {
    "01": dict(request_id="9b6c3dc7-5ace-4a53-94f4-8dd7e551f41a", operation="Converse",
               model="anthropic.claude-3-5-sonnet-20240620-v1:0", model_id_kind="base",
               profile_scope=None, region="us-east-1", inference_region="us-east-1",
               cross_region=False, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=16, output_tokens=82,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=2435,
               first_byte_ms=None, stop_reason="end_turn", guardrail_action=None,
               caller="shashank"),
    "02": dict(request_id="142471d6-56dd-46a8-b502-08711ec9a410", operation="Converse",
               model="ai21.jamba-instruct-v1:0", model_id_kind="base", profile_scope=None,
               region="us-east-1", inference_region="us-east-1", cross_region=False,
               requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=0, output_tokens=0,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=271,
               first_byte_ms=None, stop_reason="guardrail_intervened",
               guardrail_action="INTERVENED", caller="user"),
    "04": dict(request_id="6f902217-521c-4d33-aa6f-95b9715b2fe8", operation="InvokeModel",
               model="anthropic.claude-3-sonnet-20240229-v1:0", model_id_kind="base",
               profile_scope=None, region="ap-south-1", inference_region="ap-south-1",
               cross_region=False, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=859, output_tokens=15,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=None,
               first_byte_ms=None, stop_reason="stop_sequence", guardrail_action=None,
               caller="<redacted>"),
    "05": dict(request_id="19926a63-3c07-4481-864c-49516d208539", operation="ConverseStream",
               model="anthropic.claude-v2:1", model_id_kind="base", profile_scope=None,
               region="us-east-1", inference_region="us-east-1", cross_region=False,
               requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=3263, output_tokens=300,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=14079,
               first_byte_ms=None, stop_reason="max_tokens", guardrail_action=None,
               caller="BEDROCKPLAYGROUNDACCESS"),
    "06": dict(request_id="304a166e-71c0-467a-b65c-8b8655354959", operation="ConverseStream",
               model="anthropic.claude-haiku-4-5-20251001-v1:0", model_id_kind="profile_arn",
               profile_scope="us", region="us-east-1", inference_region="us-east-1",
               cross_region=False, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=62, output_tokens=36,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=1134,
               first_byte_ms=None, stop_reason="end_turn", guardrail_action=None,
               caller="bedrock-test"),
    "08": dict(request_id="ff4b6c63-5561-4431-93b8-06a817275900", operation="ConverseStream",
               model="amazon.nova-lite-v1:0", model_id_kind="base", profile_scope=None,
               region="us-east-1", inference_region="us-east-1", cross_region=False,
               requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=4, output_tokens=38,
               cache_read_tokens=0, cache_write_tokens=0, latency_ms=302, first_byte_ms=None,
               stop_reason="end_turn", guardrail_action=None, caller="dheeraj"),
    "09": dict(request_id="7487ab04-734e-470b-8dfc-46d8d8506381", operation="Converse",
               model="anthropic.claude-opus-4-5-20251101-v1:0", model_id_kind="system_profile",
               profile_scope="global", region="us-west-2", inference_region="us-east-2",
               cross_region=True, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=255, output_tokens=113,
               cache_read_tokens=0, cache_write_tokens=0, latency_ms=3114, first_byte_ms=None,
               stop_reason="end_turn", guardrail_action=None, caller="your-iam-username"),
    "10": dict(request_id="5346af27-8f56-4fb8-a6de-058be7a50818", operation="ConverseStream",
               model="anthropic.claude-opus-4-6-v1", model_id_kind="system_profile",
               profile_scope="global", region="us-west-2", inference_region="us-east-2",
               cross_region=True, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=3, output_tokens=52,
               cache_read_tokens=0, cache_write_tokens=24479, latency_ms=7460,
               first_byte_ms=None, stop_reason="end_turn", guardrail_action=None,
               caller="your-br-api-key"),
    "14": dict(request_id="abcd1234-5678-efgh-ijkl-mnopqrstuvwx", operation="Converse",
               model="anthropic.claude-sonnet-4-20250514-v1:0", model_id_kind="base",
               profile_scope=None, region="us-east-1", inference_region="us-east-1",
               cross_region=False, requested_latency="standard", served_latency="standard",
               served_latency_source="not_requested", input_tokens=25, output_tokens=150,
               cache_read_tokens=None, cache_write_tokens=None, latency_ms=None,
               first_byte_ms=None, stop_reason=None, guardrail_action=None, caller="MyRole"),
}

# Records whose own content is unusable: the timestamp was redacted by the source.
EXPECTED_QUARANTINE = {"07": "bad_timestamp", "13": "bad_timestamp"}


def _parse(record: dict[str, Any]) -> dict[str, Any]:
    return parse_record(json.dumps(record).encode(), ParseOptions(salt=b"t"))


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REAL))
def test_real_record_key_columns(prefix: str) -> None:
    row = _parse(real_log(prefix))
    assert {k: row[k] for k in KEYS} == EXPECTED_REAL[prefix]


def test_every_real_log_file_is_covered() -> None:
    prefixes = {p.name.split("_", 1)[0] for p in REAL_LOGS.glob("*.json")}
    assert prefixes == set(EXPECTED_REAL) | set(EXPECTED_QUARANTINE)


@pytest.mark.parametrize("prefix", sorted(EXPECTED_QUARANTINE))
def test_unusable_real_records_are_rejected_with_reason(prefix: str) -> None:
    with pytest.raises(Rejected) as info:
        _parse(real_log(prefix))
    assert info.value.reason == EXPECTED_QUARANTINE[prefix]
    assert "timestamp" in info.value.detail


def test_real_07_stream_metrics_are_read_when_timestamp_is_usable() -> None:
    """The IMWRS chunk list's last chunk carries latency and time to first byte."""
    record = real_log("07")
    record["timestamp"] = "2024-05-01T00:00:00Z"
    row = _parse(record)
    assert (row["latency_ms"], row["first_byte_ms"]) == (765, 690)
    assert (row["input_tokens"], row["output_tokens"]) == (10, 6)
    assert row["stop_reason"] == "stop_sequence"
    assert row["operation"] == "InvokeModelWithResponseStream"


def test_real_14_request_metadata_is_kept() -> None:
    row = _parse(real_log("14"))
    assert row["request_metadata"] == [("environment", "production"), ("team", "orchestrator")]


def test_real_05_media_rewritten_to_s3uri_parses_and_is_not_an_offload() -> None:
    row = _parse(real_log("05"))
    assert row["input_body_s3_path"] is None
    assert row["input_body_bytes"] is not None and row["input_body_bytes"] > 0


# --- seed 003 (ten real records, Dec 2024) and seed 004 (two, Aug-Sep 2024) ------------------

SEED003 = {
    # request_id prefix: (operation, inference_region, cross_region, requested, served,
    #                     served source, latency_ms, input, output)
    "8c0a0eff": ("InvokeModel", "us-west-2", True, "standard", "standard", "not_requested",
                 None, 1662, 124),
    "5128c752": ("InvokeModel", "us-west-2", True, "standard", "standard", "not_requested",
                 None, 1662, 124),
    # invoke_agent asked for optimized, but nothing reached the model call: served standard.
    "49f43a71": ("InvokeModel", "us-west-2", True, "standard", "standard", "not_requested",
                 None, 1662, 124),
    "6b2fa1e6": ("InvokeModel", "us-west-2", False, "standard", "standard", "not_requested",
                 None, 1662, 124),
    "1de3a42b": ("InvokeModel", "us-west-2", True, "standard", "standard", "not_requested",
                 None, 235, 182),
    "5e13ad29": ("InvokeModel", "us-west-2", True, "standard", "standard", "log_field",
                 None, 235, 182),
    # inferenceRegion equal to region: served in the source Region, not cross-region.
    "cf693734": ("InvokeModel", "us-east-2", False, "optimized", "optimized", "log_field",
                 None, 235, 194),
    "8a98e19a": ("Converse", "us-west-2", True, "standard", "standard", "not_requested",
                 3438, 1679, 162),
    "da3ed08f": ("Converse", "us-west-2", True, "standard", "standard", "log_field",
                 4539, 1679, 162),
    "65167716": ("Converse", "us-east-2", False, "optimized", "optimized", "log_field",
                 1958, 1679, 157),
}


def test_seed_003_records() -> None:
    records = seed_records("003")
    assert len(records) == 10
    for record in records:
        row = _parse(record)
        expected = SEED003[row["request_id"][:8]]
        got = (row["operation"], row["inference_region"], row["cross_region"],
               row["requested_latency"], row["served_latency"], row["served_latency_source"],
               row["latency_ms"], row["input_tokens"], row["output_tokens"])
        assert got == expected, row["request_id"]
        assert row["model"] == "anthropic.claude-3-5-haiku-20241022-v1:0"
        assert row["model_id_kind"] == "profile_arn" and row["profile_scope"] == "us"
        assert row["account_id"] == "123456789012"
        assert row["fallback_reason"] is None


def test_seed_004_records() -> None:
    a, b = (_parse(r) for r in seed_records("004"))
    assert (a["region"], a["inference_region"], a["cross_region"]) == (
        "us-east-1", "us-west-2", True)
    assert (a["model"], a["profile_scope"], a["latency_ms"], a["output_tokens"]) == (
        "anthropic.claude-3-sonnet-20240229-v1:0", "us", 11759, 560)
    assert (b["region"], b["inference_region"], b["profile_scope"], b["latency_ms"]) == (
        "eu-west-3", "eu-central-1", "eu", 5995)
    assert b["system_prompt_fp"] is not None and a["system_prompt_fp"] == b["system_prompt_fp"]


def test_real_logs_folder_ingests_with_balanced_counts(tmp_path: Path) -> None:
    lake, logs = tmp_path / "lake", tmp_path / "real_logs"
    shutil.copytree(REAL_LOGS, logs)
    (logs / "NOTES.md").write_text("notes kept beside the logs\n")
    files, skipped = list_local(logs)
    with LakeLock(lake):
        s = ingest_objects(lake, read_local(files), skipped=skipped,
                           options=IngestOptions(salt="t", workers=1))
    # 11 record files + the CloudTrail event (not an invocation log) are read.
    assert (s.lines, s.rows_written, s.duplicates, s.quarantined) == (12, 9, 0, 3)
    assert s.balanced
    assert s.quarantine_reasons == {"bad_timestamp": 2, "not_an_invocation_log": 1}
    assert s.skipped_reasons == {"not_a_log_file": 1}  # NOTES.md
    q = pq.read_table(next((lake / "quarantine").glob("*.parquet"))).to_pylist()
    assert all(r["raw"] is None and r["line_fp"] and r["source"].endswith(".json") for r in q)
