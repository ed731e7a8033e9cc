"""CloudWatch Logs source against a real moto server: same rows as S3/files, watermark with
overlap, cross-source dedupe, throttling, missing group."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.pipeline import IngestOptions
from bedrock_logbook.ingest.sources.aws_clients import AwsClients, make_session
from bedrock_logbook.ingest.sources.cloudwatch_ingest import CloudWatchRequest, ingest_cloudwatch
from bedrock_logbook.ingest.sources.cloudwatch_reading import BEDROCK_STREAM
from tests.aws.conftest import SALT, comparable, read_rows, run_cli, upload
from tests.aws.fault_proxy import FaultProxy, every_nth
from tests.aws.log_fixtures import (
    ACCOUNTS,
    BUCKET,
    PREFIX,
    REGIONS,
    LogBucket,
    gz_lines,
    make_record,
    request_id,
    templates,
)

pytestmark = pytest.mark.aws
GROUP = "/aws/bedrock/modelinvocations"


def _records(start: datetime, count: int, tag: str) -> list[dict[str, Any]]:
    tpl = templates()
    return [make_record(tpl[i % len(tpl)], request_id("cw", tag, i), start + timedelta(minutes=i),
                        ACCOUNTS[0], REGIONS[0]) for i in range(count)]


def _put(logs: Any, records: list[dict[str, Any]], stream: str = BEDROCK_STREAM) -> None:
    existing = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    if not existing:
        logs.create_log_group(logGroupName=GROUP)
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    if stream not in {s["logStreamName"] for s in streams}:
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    events: list[dict[str, Any]] = [
        {"timestamp": int(datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
                          .timestamp() * 1000),
         "message": json.dumps(r, separators=(",", ":"))} for r in records]
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                        logEvents=sorted(events, key=lambda e: e["timestamp"]))


def _ingest(lake: Path, endpoint: str, **kw: Any) -> Any:
    clients = AwsClients(make_session(), endpoint_url=endpoint)
    req = CloudWatchRequest(group=GROUP, streams=(BEDROCK_STREAM,), **kw)
    return ingest_cloudwatch(lake, clients, req, IngestOptions(salt=SALT, workers=1))


def _hour_ago(hours: float) -> datetime:
    return (datetime.now(UTC) - timedelta(hours=hours)).replace(microsecond=0)


def test_cli_cloudwatch_then_s3_stores_each_record_once(
    logs: Any, s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    base = _hour_ago(3)
    records = _records(base, 12, "a")
    _put(logs, records)
    _put(logs, _records(_hour_ago(2), 2, "other"), stream="some-other-stream")
    lake = tmp_path / "lake"
    res = run_cli(["ingest", "cloudwatch", "--log-group", GROUP, "--lake", str(lake),
                   "--salt", SALT], aws_env)
    assert res.returncode == 0, res.stderr
    assert "12 records -> 12 new rows" in res.stdout and "events 12" in res.stdout

    # The same records also delivered to S3 (both destinations configured): stored once.
    bucket = LogBucket()
    key = f"{PREFIX}/AWSLogs/{ACCOUNTS[0]}/BedrockModelInvocationLogs/{REGIONS[0]}/" \
          f"{base:%Y/%m/%d/%H}/batch.json.gz"
    bucket.objects[key] = gz_lines(records)
    upload(s3, bucket)
    s3_run = run_cli(["ingest", "s3", f"s3://{BUCKET}/{PREFIX}", "--lake", str(lake),
                      "--salt", SALT, "--json"], aws_env)
    assert s3_run.returncode == 0, s3_run.stderr
    summary = json.loads(s3_run.stdout)["summary"]
    assert (summary["rows_written"], summary["duplicates"]) == (0, 12)

    # Same rows as ingesting the records from a local file.
    files = tmp_path / "files"
    files.mkdir()
    (files / "records.jsonl").write_text(
        "\n".join(json.dumps(r, separators=(",", ":")) for r in records))
    ref = tmp_path / "ref"
    assert run_cli(["ingest", "files", str(files), "--lake", str(ref), "--salt", SALT],
                   aws_env).returncode == 0
    got, want = comparable(read_rows(lake)), comparable(read_rows(ref))
    diff = {k for g, w in zip(got, want, strict=True) for k in g if g[k] != w[k]}
    assert diff == set(), diff

    every = run_cli(["ingest", "cloudwatch", "--log-group", GROUP, "--lake", str(tmp_path / "all"),
                     "--all-streams", "--dry-run"], aws_env)
    assert every.returncode == 0 and "some-other-stream\t2 events" in every.stdout


def test_watermark_overlap_reads_late_events_once(
    logs: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    base = _hour_ago(3)
    _put(logs, _records(base, 5, "first"))
    lake = tmp_path / "lake"
    first = _ingest(lake, aws_env["AWS_ENDPOINT_URL"])
    assert first.summary.rows_written == 5 and first.window.start is None
    newest = base + timedelta(minutes=4)

    late = _records(newest - timedelta(minutes=10), 1, "late")  # inside the 30 min overlap
    fresh = _records(_hour_ago(1), 3, "fresh")
    very_late = _records(newest - timedelta(hours=2), 1, "very-late")  # before the overlap
    _put(logs, late + fresh + very_late)
    second = _ingest(lake, aws_env["AWS_ENDPOINT_URL"])
    assert second.window.start == newest - timedelta(minutes=30)
    assert (second.summary.rows_written, second.summary.duplicates) == (4, 5)  # overlap
    third = _ingest(lake, aws_env["AWS_ENDPOINT_URL"], full=True)
    assert (third.summary.rows_written, third.summary.duplicates) == (1, 9)
    assert len(read_rows(lake)) == 10


def test_throttling_is_retried(logs: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    _put(logs, _records(_hour_ago(2), 30, "t"))
    throttle = every_nth(1, "throttle", lambda r: r.target.endswith("FilterLogEvents"), limit=2)
    with FaultProxy(aws_env["AWS_ENDPOINT_URL"], throttle) as proxy:
        report = _ingest(tmp_path / "lake", proxy.url)
        throttled = [r for r in proxy.seen if r.action == "throttle"]
    assert len(throttled) == 2
    assert report.summary.rows_written == 30
    assert report.retries == 2 and report.summary.extra["retries"] == 2


def test_missing_log_group_exits_4(aws_env: dict[str, str], tmp_path: Path) -> None:
    res = run_cli(["ingest", "cloudwatch", "--log-group", "/no/such/group",
                   "--lake", str(tmp_path / "lake")], aws_env)
    assert res.returncode == 4, res.stderr
    assert "not found" in res.stderr and res.stderr.count("\n") == 1
    assert not (tmp_path / "lake" / "invocations").exists()
