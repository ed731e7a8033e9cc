"""The sample-log generator: determinism, S3 layout, shapes, data/ objects, bad inputs."""

from __future__ import annotations

import gzip
import json
import re
import statistics
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bedrock_logbook.cli_sample import sample_command
from bedrock_logbook.ingest.objects import LOG_KEY_RE, skip_reason
from bedrock_logbook.ingest.sample import Invocation, generate_invocations, generate_records
from bedrock_logbook.ingest.sample_writer import write_sample_logs
from tests.shared_data import real_log_paths, seed_records

START = datetime(2026, 11, 1, tzinfo=UTC)
BATCH_NAME_RE = re.compile(r"^\d{8}T\d{9}Z_[0-9a-f]{16}\.json\.gz$")
DATA_NAME_RE = re.compile(
    r"^[0-9a-f-]{36}_(input\.json\.gz|output\.json\.gz|input_media_\d{2}\.(pdf|png))$"
)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def invocations() -> list[Invocation]:
    return list(generate_invocations(4000, seed=11, start=START, hours=48))


@pytest.fixture(scope="module")
def records(invocations: list[Invocation]) -> list[dict[str, Any]]:
    return [inv.record for inv in invocations]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample_logs(out, 1500, seed=3, start=START, hours=24, bad_lines=True)
    return out


def _batch_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json.gz") if skip_reason(p.relative_to(root)
                                                                    .as_posix()) is None)


def _lines(root: Path) -> Iterator[tuple[Path, bytes]]:
    for path in _batch_files(root):
        try:
            data = gzip.decompress(path.read_bytes())
        except (EOFError, zlib.error, gzip.BadGzipFile):
            continue
        for line in data.splitlines():
            yield path, line


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_identical_records_and_files(tmp_path: Path) -> None:
    first = list(generate_records(300, seed=5, start=START, hours=6))
    assert first == list(generate_records(300, seed=5, start=START, hours=6))
    assert first != list(generate_records(300, seed=6, start=START, hours=6))
    for name in ("a", "b"):
        write_sample_logs(tmp_path / name, 400, seed=5, start=START, hours=6, bad_lines=True)
    tree_a, tree_b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert tree_a == tree_b and len(tree_a) > 10


def test_committed_sample_logs_are_reproducible(tmp_path: Path) -> None:
    committed = REPO / "sample_logs"
    assert (committed / "AWSLogs").is_dir(), "sample_logs/ is part of the repository"
    spec = json.loads((committed / "generator-args.txt").read_text())
    runner = CliRunner()
    result = runner.invoke(sample_command, [*spec["args"], "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    expected = {k: v for k, v in _tree(committed).items() if k.startswith("AWSLogs/")
                or k == "amazon-bedrock-logs-permission-check"}
    assert _tree(tmp_path) == expected
    assert sum(len(v) for v in expected.values()) < 2_000_000


# --- layout ---------------------------------------------------------------------------------


def test_key_layout_matches_s3_delivery(written: Path) -> None:
    assert (written / "amazon-bedrock-logs-permission-check").is_file()
    batches = _batch_files(written)
    assert len(batches) > 20
    spilled = 0
    for path in batches:
        key = path.relative_to(written).as_posix()
        m = LOG_KEY_RE.search(key)
        assert m, key
        assert BATCH_NAME_RE.match(m["name"]), key
        folder_hour = f"{m['y']}-{m['m']}-{m['d']}T{m['h']}"
        assert m["name"].startswith(f"{m['y']}{m['m']}{m['d']}T{m['h']}")
        try:
            lines = gzip.decompress(path.read_bytes()).splitlines()
        except EOFError:
            continue  # the deliberately truncated file
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # the deliberately malformed line
            assert (rec["accountId"], rec["region"]) == (m["account"], m["region"])
            if rec["timestamp"][:4].isdigit():
                # delivered after the invocation: same hour folder or a later one
                assert rec["timestamp"][:13] <= folder_hour
                spilled += rec["timestamp"][:13] < folder_hour
    assert spilled > 0, "some records near an hour boundary must land in the next folder"


def test_data_objects_match_offloaded_paths_and_media(written: Path) -> None:
    referenced: set[str] = set()
    for _, line in _lines(written):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        for uri in re.findall(r's3://[^"]+/data/[^"]+', line.decode()):
            referenced.add(uri)
        if "inputBodyS3Path" in rec["input"]:
            assert "inputBodyJson" not in rec["input"]
    data_files = {p.relative_to(written).as_posix() for p in written.rglob("data/*")}
    assert referenced and data_files
    keys = set()
    for uri in referenced:
        bucket, key = uri[len("s3://"):].split("/", 1)
        assert bucket.startswith("bedrock-logs-")
        keys.add(key)
        assert DATA_NAME_RE.match(key.rsplit("/", 1)[1]), key
    assert keys == data_files
    for key in keys:
        blob = (written / key).read_bytes()
        if key.endswith(".json.gz"):
            body = json.loads(gzip.decompress(blob))
            assert isinstance(body, (dict, list))
            if key.endswith("_input.json.gz"):
                assert len(json.dumps(body)) > 100_000  # only bodies over 100 KB move out
        else:
            assert blob[:4] in (b"%PDF", b"\x89PNG")


# --- bad inputs -----------------------------------------------------------------------------


def _bad_counts(root: Path) -> tuple[int, int, int]:
    malformed = unusable_ts = truncated = 0
    for path in _batch_files(root):
        try:
            lines = gzip.decompress(path.read_bytes()).splitlines()
        except EOFError:
            truncated += 1
            continue
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                malformed += 1
                continue
            try:
                datetime.strptime(rec["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
            except ValueError:
                unusable_ts += 1
    return malformed, unusable_ts, truncated


def test_bad_lines_option(written: Path, tmp_path: Path) -> None:
    assert _bad_counts(written) == (1, 1, 1)
    summary = write_sample_logs(tmp_path, 300, seed=3, start=START, hours=6)
    assert _bad_counts(tmp_path) == (0, 0, 0)
    assert summary.bad_lines == summary.truncated_files == 0
    good = sum(1 for _ in _lines(tmp_path))
    assert good == summary.records == 300


# --- shapes ---------------------------------------------------------------------------------


def _last_chunk(rec: dict[str, Any]) -> dict[str, Any]:
    body = rec["output"]["outputBodyJson"]
    assert isinstance(body, list) and body
    last: dict[str, Any] = body[-1]
    return last


def test_every_operation_and_body_shape_is_present(records: list[dict[str, Any]]) -> None:
    ops = {r["operation"] for r in records}
    assert ops == {"Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream"}
    ok = [r for r in records if "errorCode" not in r and "outputBodyJson" in r["output"]]
    for r in ok:
        body = r["output"]["outputBodyJson"]
        if r["operation"].startswith("Converse"):
            assert isinstance(body, dict) and body["metrics"]["latencyMs"] > 0
            assert body["usage"]["outputTokens"] == r["output"]["outputTokenCount"]
        elif r["operation"] == "InvokeModelWithResponseStream":
            metrics = _last_chunk(r)["amazon-bedrock-invocationMetrics"]
            assert set(metrics) >= {"inputTokenCount", "outputTokenCount",
                                    "invocationLatency", "firstByteLatency"}
            assert metrics["firstByteLatency"] <= metrics["invocationLatency"]
    invoke_kinds = set()
    for r in ok:
        body = r["output"]["outputBodyJson"]
        if r["operation"] == "InvokeModel":
            invoke_kinds.add(next(k for k in ("content", "completion", "results", "generation",
                                              "output") if k in body))
        elif r["operation"] == "InvokeModelWithResponseStream":
            first = body[0]
            invoke_kinds.add("stream:" + next(k for k in ("type", "completion", "outputText",
                                                         "generation", "messageStart")
                                              if k in first))
    assert invoke_kinds == {
        "content", "completion", "results", "generation", "output",
        "stream:type", "stream:completion", "stream:outputText", "stream:generation",
        "stream:messageStart",
    }
    events = {c["type"] for r in ok if r["operation"] == "InvokeModelWithResponseStream"
              for c in r["output"]["outputBodyJson"] if "type" in c}
    assert events == {"message_start", "content_block_start", "content_block_delta",
                      "content_block_stop", "message_delta", "message_stop"}


def test_every_model_id_spelling_and_routing_is_present(records: list[dict[str, Any]]) -> None:
    ids = {r["modelId"] for r in records}
    patterns = {
        "base": r"^(anthropic|amazon|meta)\.[^/]+$",
        "system_profile": r"^(us|eu|jp|global)\.(anthropic|amazon|meta)\.",
        "profile_arn": r"^arn:aws:bedrock:[a-z0-9-]+:\d{12}:inference-profile/(us|global)\.",
        "application_profile_arn": r":application-inference-profile/[a-z0-9]+$",
        "provisioned_arn": r":provisioned-model/[a-z0-9]+$",
        "foundation_arn": r"^arn:aws:bedrock:[a-z0-9-]+::foundation-model/",
    }
    for kind, pattern in patterns.items():
        assert any(re.search(pattern, i) for i in ids), kind
    prefixes = {i.split(".", 1)[0] for i in ids if not i.startswith("arn:")}
    assert {"us", "eu", "jp", "global"} <= prefixes
    absent = sum("inferenceRegion" not in r for r in records)
    equal = sum(r.get("inferenceRegion") == r["region"] for r in records)
    differ = sum(r.get("inferenceRegion") not in (None, r["region"]) for r in records)
    assert min(absent, equal, differ) > 50
    for r in records:
        if "inferenceRegion" in r and "." not in r["modelId"].split("/")[-1][:7]:
            pytest.fail(f"routed call without a profile: {r['modelId']}")


def test_latency_optimized_requests_fallbacks_and_speed(
        invocations: list[Invocation]) -> None:
    """The log shows only what Bedrock would: the applied mode at top level, the served mode
    in some Converse responses, the request echoed in some Converse requests."""
    records = [inv.record for inv in invocations]
    modes = {json.dumps(r["performanceConfig"]) for r in records if "performanceConfig" in r}
    assert modes == {'{"latency": "OPTIMIZED"}', '{"latency": "STANDARD"}'}
    causes: Counter[str | None] = Counter()
    in_response = echoed = checked_405b = 0
    for inv in invocations:
        r, t = inv.record, inv.truth
        assert t is not None and t.request_id == r["requestId"]
        causes[t.fallback_cause] += 1
        if "performanceConfig" in r:
            applied = t.served if t.served is not None else t.requested
            assert r["performanceConfig"]["latency"] == applied.upper()
        else:
            assert t.requested == "standard"
        out_body = r["output"].get("outputBodyJson")
        if isinstance(out_body, dict) and "performanceConfig" in out_body:
            in_response += 1
            assert out_body["performanceConfig"]["latency"] == t.served
        in_body = r["input"].get("inputBodyJson")
        if isinstance(in_body, dict) and "performanceConfig" in in_body:
            echoed += 1
            assert in_body["performanceConfig"]["latency"] == t.requested
        if t.rejected_not_offered:
            assert r["errorCode"] == "ValidationException"
        # AWS judges the 405B limit before generating: input + the request's max tokens.
        if ("llama3-1-405b" in r["modelId"] and t.requested == "optimized" and t.served
                and isinstance(in_body, dict)):
            max_tokens = in_body.get("max_gen_len") or in_body["inferenceConfig"]["maxTokens"]
            planned = r["input"]["inputTokenCount"] + max_tokens
            assert (t.fallback_cause == "token_limit") == (planned > 11_000)
            checked_405b += 1
    assert {"quota", "capacity", "token_limit"} <= set(causes)
    assert in_response > 0 and echoed > 0 and checked_405b > 20
    assert sum(t.rejected_not_offered for t in (i.truth for i in invocations) if t) > 0

    haiku = "anthropic.claude-3-5-haiku-20241022-v1:0"
    speeds: dict[str, list[float]] = {"optimized": [], "standard": []}
    for inv in invocations:
        r, t = inv.record, inv.truth
        body = r["output"].get("outputBodyJson")
        if (haiku not in r["modelId"] or not r["operation"].startswith("Converse") or t is None
                or not isinstance(body, dict) or r["output"]["outputTokenCount"] < 100):
            continue
        assert t.served is not None
        speeds[t.served].append(r["output"]["outputTokenCount"] * 1000
                                / body["metrics"]["latencyMs"])
    ratio = statistics.median(speeds["optimized"]) / statistics.median(speeds["standard"])
    assert 1.4 < ratio < 2.4, ratio


def test_truth_side_file_only_when_asked(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--records", "300", "--hours", "4", "--seed", "9"]
    plain = runner.invoke(sample_command, [*args, "--out", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    truth = tmp_path / "truth.jsonl"
    told = runner.invoke(sample_command, [*args, "--out", str(tmp_path / "b"),
                                          "--truth", str(truth)])
    assert told.exit_code == 0, told.output
    # The truth file changes nothing in the logs and is not written into them.
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    lines = [json.loads(x) for x in truth.read_text().splitlines()]
    ids = {json.loads(line)["requestId"] for _, line in _lines(tmp_path / "b")}
    assert len(lines) == 300 and {t["request_id"] for t in lines} == ids
    assert set(lines[0]) == {"request_id", "requested", "served", "fallback_cause",
                             "rejected_not_offered", "service_tier", "cache_write_5m",
                             "cache_write_1h"}


def test_errors_guardrails_cache_bodies_and_key_orders(records: list[dict[str, Any]]) -> None:
    errors = [r for r in records if "errorCode" in r]
    assert {"ThrottlingException", "ValidationException", "ModelErrorException"} <= {
        r["errorCode"] for r in errors}
    assert all("outputBodyJson" not in r["output"] for r in errors)

    converse_guard = [r for r in records if "outputBodyJson" in r["output"]
                      and isinstance(r["output"]["outputBodyJson"], dict)
                      and r["output"]["outputBodyJson"].get("stopReason") == "guardrail_intervened"]
    assert converse_guard and all("guardrail" in r["output"]["outputBodyJson"]["trace"]
                                  for r in converse_guard)
    assert any(r["operation"] == "InvokeModelWithResponseStream"
               and _last_chunk(r).get("amazon-bedrock-guardrailAction") == "INTERVENED"
               for r in records if "outputBodyJson" in r["output"])

    with_cache = [r for r in records if "cacheReadInputTokenCount" in r["input"]]
    assert any(r["input"]["cacheReadInputTokenCount"] > 0 for r in with_cache)
    assert any(r["input"]["cacheWriteInputTokenCount"] > 0 for r in with_cache)
    assert len(with_cache) < len(records)  # 2024-style records carry no cache counts

    first_keys = {next(iter(r)) for r in records}
    assert first_keys == {"timestamp", "schemaType"}
    for r in records:
        if next(iter(r)) == "timestamp":
            assert list(r)[-2:] == ["schemaType", "schemaVersion"]

    inputs = [r["input"] for r in records]
    assert any("inputBodyS3Path" in i for i in inputs)
    assert any("outputBodyS3Path" in r["output"] for r in records)
    assert any("inputBodyJson" not in i and "inputBodyS3Path" not in i for i in inputs)
    assert any('"s3Uri"' in json.dumps(i.get("inputBodyJson")) for i in inputs)
    assert any("serviceTier" in r for r in records)
    assert any("requestMetadata" in r for r in records)
    assert "012345678901" in {r["accountId"] for r in records}
    callers = {r["identity"]["arn"].split(":")[5].split("/")[0] for r in records}
    assert callers == {"assumed-role", "user"}


def test_generated_records_use_the_real_field_names(records: list[dict[str, Any]]) -> None:
    """Every key path found in a real record also appears in some generated record."""

    def paths(obj: Any, prefix: str = "") -> set[str]:
        if isinstance(obj, dict):
            out = set()
            for k, v in obj.items():
                out.add(prefix + k)
                if k not in ("inputBodyJson", "outputBodyJson", "trace", "requestMetadata"):
                    out |= paths(v, prefix + k + ".")
            return out
        return set()

    generated: set[str] = set()
    for r in records:
        generated |= paths(r)
    real = [json.loads(p.read_text()) for p in real_log_paths()] + seed_records("003")
    for rec in real:
        missing = paths(rec) - generated
        assert not missing, missing


# --- CLI ------------------------------------------------------------------------------------


def test_cli_writes_and_refuses_to_mix_sets(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--records", "200", "--out", str(tmp_path), "--hours", "4", "--bad-lines"]
    result = runner.invoke(sample_command, args)
    assert result.exit_code == 0, result.output
    assert "wrote 200 records" in result.output
    assert _bad_counts(tmp_path) == (1, 1, 1)
    again = runner.invoke(sample_command, args)
    assert again.exit_code != 0 and "already exists" in again.output
