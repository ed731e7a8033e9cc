"""Issue 10, per-line and per-object isolation: one bad value costs one quarantined line, one
unreadable object costs that object, never the run. Each case failed the run before (exit 1,
traceback, nothing stored)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from tests.core.lakeutil import table_paths, write_batch
from tests.core.records import converse

OPTS = IngestOptions(salt="test-salt", workers=1)
CLI = [sys.executable, "-m", "bedrock_logbook.cli"]


def rid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def ingest_dir(lake: Path, src: Path, options: IngestOptions = OPTS) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        return ingest_objects(lake, read_local(files, skipped), skipped=skipped,
                              options=options)


def quarantine(lake: Path) -> list[dict[str, Any]]:
    cur = duckdb.execute("SELECT * FROM read_parquet(?) ORDER BY source_line",
                         [f"{lake}/quarantine/*.parquet"])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def stored_ids(lake: Path) -> list[str]:
    return [r[0] for r in duckdb.execute(
        "SELECT request_id FROM read_parquet(?) ORDER BY 1",
        [table_paths(lake)]).fetchall()]


def with_input_tokens(i: int, value: Any) -> bytes:
    rec = converse(rid(i))
    rec["input"]["inputTokenCount"] = value
    return json.dumps(rec).encode()


def deep(levels: int) -> bytes:
    """A record whose caller-supplied request body nests ``levels`` arrays deep."""
    rec = converse(rid(9))
    text = json.dumps(rec)
    marker = '"inferenceConfig": {"maxTokens": 300}'
    return text.replace(marker, '"x": ' + "[" * levels + "]" * levels + ", " + marker).encode()


# (line, expected reason); the expected reasons are the cases, by hand.
HOSTILE_LINES: list[tuple[bytes, str]] = [
    (with_input_tokens(2, 2**63), "number_out_of_range"),
    (with_input_tokens(3, 1e20), "number_out_of_range"),
    (with_input_tokens(4, "\u00b2"), "number_out_of_range"),
    (with_input_tokens(5, -1), "number_out_of_range"),
    (json.dumps(converse(rid(6), operation="Conv\u00e9rse")).encode().replace(
        b"Conv\\u00e9rse", b"Conv\xe9rse"), "invalid_utf8"),  # a Latin-1 byte in a field
    (deep(2000), "too_deep"),
]


@pytest.mark.parametrize("line,reason", HOSTILE_LINES,
                         ids=["2^63", "1e20", "unicode-digit", "negative", "latin1", "depth"])
@pytest.mark.parametrize("workers", [1, 2])
def test_one_hostile_line_is_quarantined_and_the_rest_stored(
        tmp_path: Path, line: bytes, reason: str, workers: int) -> None:
    write_batch(tmp_path / "logs", [converse(rid(1)), line, converse(rid(7))])
    s = ingest_dir(tmp_path / "lake", tmp_path / "logs",
                   IngestOptions(salt="s", workers=workers))
    assert (s.lines, s.rows_written, s.quarantined) == (3, 2, 1)
    assert s.balanced
    assert stored_ids(tmp_path / "lake") == [rid(1), rid(7)]
    [q] = quarantine(tmp_path / "lake")
    assert (q["source_line"], q["reason"]) == (2, reason)


def test_depth_below_the_limit_is_a_row(tmp_path: Path) -> None:
    write_batch(tmp_path / "logs", [deep(500)])
    s = ingest_dir(tmp_path / "lake", tmp_path / "logs")
    assert (s.rows_written, s.quarantined) == (1, 0)


def test_line_over_the_size_limit_is_quarantined_unread(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_logbook.ingest import parse
    monkeypatch.setattr(parse, "MAX_LINE_BYTES", 2000)
    big = converse(rid(2))
    big["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = "x" * 3000
    write_batch(tmp_path / "logs", [converse(rid(1)), b"not json", big])
    s = ingest_dir(tmp_path / "lake", tmp_path / "logs")
    assert (s.rows_written, s.quarantined) == (1, 2)
    assert [q["reason"] for q in quarantine(tmp_path / "lake")] == [
        "malformed_json", "line_too_long"]


def test_counts_in_range_still_read(tmp_path: Path) -> None:
    write_batch(tmp_path / "logs", [with_input_tokens(1, 2**63 - 1), with_input_tokens(2, "42"),
                                    with_input_tokens(3, 7.0)])
    ingest_dir(tmp_path / "lake", tmp_path / "logs")
    got = duckdb.execute("SELECT input_tokens FROM read_parquet(?) ORDER BY request_id",
                         [table_paths(tmp_path / "lake")]).fetchall()
    assert got == [(2**63 - 1,), (42,), (7,)]


# --- per object -----------------------------------------------------------------------------

def test_a_file_deleted_between_listing_and_reading_is_listed_and_the_run_goes_on(
        tmp_path: Path) -> None:
    a = write_batch(tmp_path / "logs", [converse(rid(1))], name="a.json.gz")
    b = write_batch(tmp_path / "logs", [converse(rid(2))], name="b.json.gz")
    c = write_batch(tmp_path / "logs", [converse(rid(3))], name="c.json.gz")
    files, skipped = list_local(tmp_path / "logs")
    assert files == [a, b, c]
    b.unlink()  # vanished mid-run
    c.unlink()
    c.mkdir()  # replaced by something that is not a file
    lake = tmp_path / "lake"
    with LakeLock(lake):
        s = ingest_objects(lake, read_local(files, skipped), skipped=skipped, options=OPTS)
    assert (s.objects, s.rows_written) == (1, 1)
    assert s.skipped == [{"uri": str(b), "reason": "vanished"},
                         {"uri": str(c), "reason": "unreadable_file"}]
    assert s.partial and s.unreadable_objects == 2


def test_odd_directory_entries_are_listed_not_followed_or_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    good = write_batch(logs, [converse(rid(1))], name="a.json.gz")
    folder = good.parent
    os.mkfifo(folder / "fifo.json.gz")
    (folder / "broken.json.gz").symlink_to(folder / "missing.json.gz")
    (folder / "loop").symlink_to(logs, target_is_directory=True)
    bad_name = os.fsencode(folder) + b"/caf\xe9.json.gz"
    with open(bad_name, "wb") as f:
        f.write(gzip.compress(json.dumps(converse(rid(2))).encode()))
    own_lake = logs / "lake"
    own_lake.mkdir()
    (own_lake / "_lake.json").write_text("{}")
    (own_lake / "_runs").mkdir()
    (own_lake / "_runs" / "run-1.json").write_text("{}")
    files, skipped = list_local(logs)
    assert files == [good]
    assert sorted((Path(s.uri).name, s.reason) for s in skipped) == [
        ("broken.json.gz", "broken_link"),
        ("caf\\xe9.json.gz", "bad_file_name"),
        ("fifo.json.gz", "not_a_regular_file"),
        ("lake", "lake_directory"),
        ("loop", "symlinked_directory"),
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_and_directory_are_listed(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    a = write_batch(logs, [converse(rid(1))], name="a.json.gz")
    locked = logs / "locked"
    locked.mkdir()
    locked.chmod(0)
    a.chmod(0)
    try:
        files, skipped = list_local(logs)
        reasons = sorted(s.reason for s in skipped)
        got = list(read_local(files, skipped))
        assert got == []
        assert sorted(s.reason for s in skipped) == sorted(
            [*reasons, "permission_denied"])
        assert "unreadable_directory" in reasons
    finally:
        locked.chmod(0o755)


def test_cli_exit_code_says_partial_and_lists_the_object(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    write_batch(logs, [converse(rid(1))], name="a.json.gz")
    (logs / "dangling.json.gz").symlink_to(logs / "nowhere")
    r = subprocess.run([*CLI, "ingest", "files", str(logs), "--lake", str(tmp_path / "lake"),
                        "--json"], capture_output=True, text=True, check=False)
    assert r.returncode == 5, r.stderr
    summary = json.loads(r.stdout)
    assert summary["rows_written"] == 1 and summary["unreadable_objects"] == 1
    assert summary["skipped"] == [{"uri": str(logs / "dangling.json.gz"),
                                   "reason": "broken_link"}]
    assert r.stderr.count("\n") == 1 and "dangling.json.gz (broken_link)" in r.stderr
    assert "Traceback" not in r.stderr


def test_ingest_files_dot_does_not_read_its_own_lake(tmp_path: Path) -> None:
    write_batch(tmp_path, [converse(rid(1))], name="a.json.gz")
    for _ in range(2):
        r = subprocess.run([*CLI, "ingest", "files", ".", "--json"], cwd=tmp_path,
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0, r.stderr
    second = json.loads(r.stdout)
    assert (second["lines"], second["duplicates"], second["quarantined"]) == (1, 1, 0)
    assert second["skipped_reasons"] == {"lake_directory": 1}

