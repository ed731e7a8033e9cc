"""S3 source against a real moto server over HTTP: same lake as the files ingest, incremental,
windows and filters, faults, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects
from bedrock_logbook.ingest.sources.aws_clients import AwsClients, make_session
from bedrock_logbook.ingest.sources.s3_ingest import ingest_s3
from bedrock_logbook.ingest.sources.s3_keys import parse_s3_uri
from bedrock_logbook.ingest.sources.s3_listing import ListingRequest
from bedrock_logbook.ingest.sources.window import TimeWindow
from tests.aws.conftest import SALT, comparable, read_rows, run_cli, upload
from tests.aws.fault_proxy import FaultProxy, every_nth
from tests.aws.log_fixtures import (
    ACCOUNTS,
    BASE_HOUR,
    BUCKET,
    PREFIX,
    REGIONS,
    LogBucket,
    gz_lines,
    standard_bucket,
)
from tests.core.lakeutil import snapshot

pytestmark = pytest.mark.aws
URI = f"s3://{BUCKET}/{PREFIX}"
NOW = datetime(2025, 3, 11, tzinfo=UTC)


def _files_lake(bucket: LogBucket, tmp_path: Path) -> Path:
    files, skipped = list_local(bucket.write_local(tmp_path / "local"))
    lake = tmp_path / "files-lake"
    ingest_objects(lake, read_local(files), source="files", skipped=skipped,
                   options=IngestOptions(salt=SALT, workers=1))
    return lake


def _ingest(lake: Path, endpoint: str, *, window: TimeWindow | None = None, full: bool = False,
            resolve: bool = False) -> Any:
    clients = AwsClients(make_session(), endpoint_url=endpoint)
    request = ListingRequest(parse_s3_uri(URI), window=window or TimeWindow(), full=full)
    return ingest_s3(lake, clients, request, IngestOptions(salt=SALT, workers=1), NOW,
                     resolve_offloaded=resolve)


def test_cli_s3_lake_equals_files_ingest(s3: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    bucket = standard_bucket()
    bucket.add_batch(ACCOUNTS[0], REGIONS[0], BASE_HOUR, n=9, extra_lines=[b'{"broken": '])
    upload(s3, bucket)
    lake = tmp_path / "lake"
    res = run_cli(["ingest", "s3", URI, "--lake", str(lake), "--salt", SALT], aws_env)
    assert res.returncode == 0, res.stderr
    (line,) = res.stdout.splitlines()
    assert "13 objects" in line and "39 new rows" in line and "1 quarantined" in line, line

    expected = read_rows(_files_lake(bucket, tmp_path))
    assert len(expected) == 39
    assert comparable(read_rows(lake)) == comparable(expected)
    assert all(r["source"].startswith(f"{URI}/AWSLogs/") for r in read_rows(lake))
    assert len(read_rows(lake, "quarantine")) == 1

    again = run_cli(["ingest", "s3", URI, "--lake", str(lake), "--salt", SALT, "--json"], aws_env)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)["summary"]
    assert (summary["objects"], summary["rows_written"]) == (0, 0)
    assert summary["skipped_reasons"] == {"data_payload": 8}
    assert json.loads(again.stdout)["already_ingested"] == 13


def test_window_and_filters_list_only_their_folders(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    upload(s3, standard_bucket())
    acct = ACCOUNTS[1]
    res = run_cli(["ingest", "s3", URI, "--lake", str(tmp_path / "lake"), "--dry-run", "--json",
                   "--account", acct, "--region", "us-west-2",
                   "--start", "2025-03-10T09:00Z", "--end", "2025-03-10T09:30Z"], aws_env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    root = f"{PREFIX}/AWSLogs/{acct}/BedrockModelInvocationLogs/us-west-2/"
    # The hour of the window, plus the next folder (records may be delivered an hour later).
    assert out["prefixes_listed"] == [f"{root}2025/03/10/09/", f"{root}2025/03/10/10/"]
    assert [u.split(root)[1][:14] for u in out["to_read"]] == ["2025/03/10/09/",
                                                               "2025/03/10/10/"]
    assert not (tmp_path / "lake" / "invocations").exists()

    since = run_cli(["ingest", "s3", URI, "--dry-run", "--lake", str(tmp_path / "lake"),
                     "--since", "2h"], aws_env)
    assert since.returncode == 0, since.stderr
    assert since.stdout.splitlines()[-1].startswith("dry run: 0 objects to read")


def test_rerun_reads_only_new_and_late_objects(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    bucket = standard_bucket()
    upload(s3, bucket)
    lake = tmp_path / "lake"
    with FaultProxy(aws_env["AWS_ENDPOINT_URL"]) as proxy:
        first = _ingest(lake, proxy.url)
        assert first.summary.rows_written == 36
        assert len(proxy.object_gets()) == 12
        proxy.seen.clear()

        fresh = bucket.add_batch(ACCOUNTS[0], REGIONS[1], BASE_HOUR + timedelta(hours=3), n=3)
        late = bucket.add_batch(ACCOUNTS[1], REGIONS[0], BASE_HOUR, n=5)  # old hour folder
        too_old = bucket.add_batch(ACCOUNTS[1], REGIONS[0], BASE_HOUR - timedelta(days=1), n=7)
        upload(s3, bucket, [fresh, late, too_old])
        second = _ingest(lake, proxy.url)
        assert sorted(proxy.object_gets()) == sorted(f"/{BUCKET}/{k}" for k in (fresh, late))
        assert (second.summary.rows_written, second.summary.duplicates) == (6, 0)
        # Each region root is listed from its watermark minus the look-back, not from scratch.
        assert all("2025/03/10/" in p for p in second.listing.prefixes_listed)
        proxy.seen.clear()

        third = _ingest(lake, proxy.url, full=True)
        assert proxy.object_gets() == [f"/{BUCKET}/{too_old}"]
        assert third.summary.rows_written == 3
    assert len(read_rows(lake)) == 45


def test_faults_are_retried_and_every_record_arrives(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    bucket = standard_bucket()
    upload(s3, bucket)
    gets = {"n": 0}

    def decide(req: Any) -> str:
        if req.is_object_get:
            gets["n"] += 1
            return {3: "slowdown", 5: "drop", 7: "truncate", 9: "slowdown"}.get(gets["n"], "pass")
        return slow_lists(req)

    slow_lists = every_nth(2, "slowdown", lambda r: "list-type=2" in r.path, limit=2)
    lake = tmp_path / "lake"
    with FaultProxy(aws_env["AWS_ENDPOINT_URL"], decide) as proxy:
        report = _ingest(lake, proxy.url)
        faults = [r for r in proxy.seen if r.action != "pass"]
    assert len(faults) == 6
    assert report.summary.rows_written == 36 and report.summary.quarantined == 0
    assert report.retries >= len(faults)
    assert report.summary.extra["retries"] == report.retries
    assert comparable(read_rows(lake)) == comparable(read_rows(_files_lake(bucket, tmp_path)))


def test_offloaded_output_is_resolved_only_when_asked(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    bucket = LogBucket()
    bucket.add_offloaded(ACCOUNTS[0], REGIONS[0], BASE_HOUR)
    upload(s3, bucket)
    plain = _ingest(tmp_path / "plain", aws_env["AWS_ENDPOINT_URL"])
    resolved = _ingest(tmp_path / "resolved", aws_env["AWS_ENDPOINT_URL"], resolve=True)
    (row_plain,) = read_rows(tmp_path / "plain")
    (row_resolved,) = read_rows(tmp_path / "resolved")
    assert row_plain["latency_ms"] is None
    assert row_resolved["latency_ms"] is not None and row_resolved["latency_ms"] > 0
    assert row_resolved["output_body_s3_path"] == row_plain["output_body_s3_path"] is not None
    assert plain.stats.offloaded_resolved == 0 and resolved.stats.offloaded_resolved == 1
    # Reading the offloaded body does not count as reading a log object.
    assert resolved.summary.objects == 1 and resolved.summary.skipped_objects == 1


def _nothing_written(lake: Path) -> bool:
    return not snapshot(lake) and not list(lake.glob("_runs/*")) \
        and not list(lake.glob("_state/*/*"))


def test_missing_bucket_and_bad_flags_exit_with_one_line(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    missing = run_cli(["ingest", "s3", "s3://no-such-bucket-here/x", "--lake", str(lake)], aws_env)
    assert missing.returncode == 4
    assert missing.stderr.count("\n") == 1 and "bucket does not exist" in missing.stderr
    bad_uri = run_cli(["ingest", "s3", "https://example.com/x", "--lake", str(lake)], aws_env)
    assert bad_uri.returncode == 2 and "s3://BUCKET" in bad_uri.stderr  # usage
    both = run_cli(["ingest", "s3", URI, "--since", "2d", "--start", "2025-01-01",
                    "--lake", str(lake)], aws_env)
    assert both.returncode == 2 and "--since" in both.stderr
    bad_time = run_cli(["ingest", "s3", URI, "--since", "yesterday", "--lake", str(lake)], aws_env)
    assert bad_time.returncode == 2 and "ISO-8601" in bad_time.stderr
    assert _nothing_written(lake)


def test_access_denied_and_cut_downloads_fail_cleanly(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    bucket = standard_bucket()
    upload(s3, bucket)
    lake = tmp_path / "lake"
    with FaultProxy(aws_env["AWS_ENDPOINT_URL"], lambda _r: "deny") as proxy:
        denied = run_cli(["ingest", "s3", URI, "--lake", str(lake),
                          "--endpoint-url", proxy.url], aws_env)
    assert denied.returncode == 4, denied.stderr
    assert "access denied" in denied.stderr and "s3:ListBucket" in denied.stderr
    assert denied.stderr.count("\n") == 1

    victim = sorted(k for k in bucket.objects if k.endswith(".json.gz") and "/data/" not in k)[5]

    def cut(req: Any) -> str:
        return "truncate" if req.is_object_get and req.path == f"/{BUCKET}/{victim}" else "pass"

    with FaultProxy(aws_env["AWS_ENDPOINT_URL"], cut) as proxy:
        res = run_cli(["ingest", "s3", URI, "--lake", str(lake), "--endpoint-url", proxy.url],
                      aws_env)
    assert res.returncode == 4 and "download cut short 5 times" in res.stderr
    assert _nothing_written(lake)


def test_truncated_object_is_quarantined_not_fatal(
    s3: Any, aws_env: dict[str, str], tmp_path: Path
) -> None:
    bucket = LogBucket()
    key = bucket.add_batch(ACCOUNTS[0], REGIONS[0], BASE_HOUR, n=0, count=4)
    whole = bucket.objects[key]
    bucket.objects[key] = whole[: len(whole) * 2 // 3]
    upload(s3, bucket)
    res = run_cli(["ingest", "s3", URI, "--lake", str(tmp_path / "lake"), "--json"], aws_env)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)["summary"]
    assert summary["quarantine_reasons"] == {"truncated_gzip": 1}
    assert summary["rows_written"] + summary["quarantined"] == summary["lines"] >= 1


def test_busy_lake_exits_75(s3: Any, aws_env: dict[str, str], tmp_path: Path) -> None:
    upload(s3, standard_bucket())
    lake = tmp_path / "lake"
    with LakeLock(lake):
        res = run_cli(["ingest", "s3", URI, "--lake", str(lake)], aws_env)
    assert res.returncode == 75 and "another ingest" in res.stderr
    assert _nothing_written(lake)


def test_gz_lines_round_trip() -> None:
    # The fixture writer itself: one record a line, gzip, as Bedrock delivers.
    import gzip
    assert gzip.decompress(gz_lines([{"a": 1}, {"b": 2}])) == b'{"a":1}\n{"b":2}\n'
