"""Issue 10, whole objects: privacy of the quarantine, every byte of a file accounted for,
and bounded memory on decompression bombs."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from tests.core.mutations import CANARY, seed_records
from tests.core.records import converse

OPTS = IngestOptions(salt="test-salt", workers=1)
LOG_DIR = "AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-2/2026/11/02/10"


def rid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def line(i: int, **top: Any) -> bytes:
    return json.dumps(converse(rid(i), **top)).encode()


def put(root: Path, name: str, data: bytes) -> Path:
    path = root / LOG_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def ingest(lake: Path, src: Path, options: IngestOptions = OPTS) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        s = ingest_objects(lake, read_local(files, skipped), skipped=skipped, options=options)
    assert s.lines == s.rows_written + s.duplicates + s.quarantined
    return s


def quarantine_rows(lake: Path) -> list[dict[str, Any]]:
    return [r for p in sorted((lake / "quarantine").glob("*.parquet"))
            for r in pq.read_table(p).to_pylist()]


# --- privacy --------------------------------------------------------------------------------

def secret_lines() -> list[bytes]:
    """Bad lines that all carry prompt text (the canary)."""
    rec = seed_records()[0]
    bad_ts = dict(rec, requestId=rid(1), timestamp="not a time")
    too_big = json.loads(json.dumps(rec))
    too_big["requestId"] = rid(2)
    too_big["input"]["inputTokenCount"] = 2**64
    cut = json.dumps(dict(rec, requestId=rid(3))).encode()[:-40]
    return [json.dumps(bad_ts).encode(), json.dumps(too_big).encode(), cut]


def test_quarantine_keeps_no_body_text_without_keep_bodies(tmp_path: Path) -> None:
    lines = secret_lines()
    put(tmp_path / "logs", "a.json.gz", gzip.compress(b"\n".join(lines) + b"\n"))
    ingest(tmp_path / "lake", tmp_path / "logs")
    rows = quarantine_rows(tmp_path / "lake")
    assert [r["reason"] for r in rows] == ["bad_timestamp", "number_out_of_range",
                                           "malformed_json"]
    for r, raw in zip(rows, lines, strict=True):
        assert CANARY not in json.dumps(r, default=str)
        assert r["raw"] is None
        assert r["line_fp"] == hashlib.sha256(b"test-salt" + raw).hexdigest()[:16]
    assert [r["request_id"] for r in rows] == [rid(1), rid(2), rid(3)]
    assert [r["byte_offset"] for r in rows] == [0, len(lines[0]) + 1,
                                                len(lines[0]) + len(lines[1]) + 2]
    env = json.loads(rows[0]["envelope"])
    assert env["modelId"] == "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert env["timestamp"] == "not a time" and "input" not in env


def test_keep_bodies_keeps_the_line(tmp_path: Path) -> None:
    lines = secret_lines()
    put(tmp_path / "logs", "a.json.gz", gzip.compress(b"\n".join(lines)))
    ingest(tmp_path / "lake", tmp_path / "logs",
           IngestOptions(salt="test-salt", workers=1, keep_bodies=True))
    assert all(CANARY in r["raw"] for r in quarantine_rows(tmp_path / "lake"))


def test_quarantine_is_capped_per_object_and_the_rest_counted(tmp_path: Path) -> None:
    bad = [b'{"requestId": "r%d", "timestamp": "x", "modelId": "m"}' % i for i in range(2500)]
    put(tmp_path / "logs", "a.json.gz", gzip.compress(b"\n".join([line(1), *bad])))
    s = ingest(tmp_path / "lake", tmp_path / "logs")
    assert (s.lines, s.rows_written, s.quarantined) == (2501, 1, 2500)
    assert s.quarantine_reasons == {"bad_timestamp": 2500}
    rows = quarantine_rows(tmp_path / "lake")
    assert len(rows) == 1001
    [folded] = [r for r in rows if r["reason"] == "folded"]
    assert folded["folded_lines"] == 1500
    reasons = duckdb.execute(
        "SELECT sum(coalesce(folded_lines, 1)) FROM read_parquet(?)",
        [f"{tmp_path}/lake/quarantine/*.parquet"]).fetchone()
    assert reasons == (2500,)


# --- every byte accounted for ---------------------------------------------------------------

def records(ids: range) -> bytes:
    return b"".join(line(i) + b"\n" for i in ids)


@pytest.mark.parametrize("name,data,expected", [
    ("members.json.gz", gzip.compress(records(range(1, 4))) + gzip.compress(records(range(4, 7))),
     (6, 6, 0)),
    ("plain-after.json.gz", gzip.compress(records(range(1, 4))) + records(range(4, 6)),
     (5, 5, 0)),
    ("garbage-after.json.gz", gzip.compress(records(range(1, 4))) + b"\x00\x07garbage",
     (4, 3, 1)),
    ("bom.jsonl", b"\xef\xbb\xbf" + records(range(1, 3)), (2, 2, 0)),
    ("bom-gzip.json.gz", gzip.compress(b"\xef\xbb\xbf" + records(range(1, 3))), (2, 2, 0)),
    ("array-one-line.json", b"[" + b",".join(line(i) for i in range(1, 4)) + b"]", (3, 3, 0)),
    ("array-pretty.json", json.dumps([converse(rid(i)) for i in (1, 2)], indent=2).encode(),
     (2, 2, 0)),
    ("one-pretty.json", json.dumps(converse(rid(1)), indent=2).encode(), (1, 1, 0)),
    ("crlf.jsonl", records(range(1, 3)).replace(b"\n", b"\r\n"), (2, 2, 0)),
])
def test_every_line_of_a_file_is_counted(tmp_path: Path, name: str, data: bytes,
                                         expected: tuple[int, int, int]) -> None:
    put(tmp_path / "logs", name, data)
    s = ingest(tmp_path / "lake", tmp_path / "logs")
    assert (s.lines, s.rows_written, s.quarantined) == expected


def whole_lines_before_damage(data: bytes) -> int:
    """Independent oracle: the standard library fed one byte at a time."""
    d = zlib.decompressobj(wbits=31)
    out = b""
    try:
        for i in range(len(data)):
            out += d.decompress(data[i:i + 1])
    except zlib.error:
        pass
    return out.count(b"\n")


def test_corrupt_gzip_keeps_every_whole_line_before_the_damage(tmp_path: Path) -> None:
    rnd = random.Random(7)
    recs = []
    for i in range(200):
        r = converse(rid(i))
        r["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = "".join(
            rnd.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(300))
        recs.append(json.dumps(r).encode())
    data = bytearray(gzip.compress(b"\n".join(recs) + b"\n", mtime=0))
    at = len(data) * 6 // 10
    data[at:at + 8] = b"\xff" * 8
    put(tmp_path / "logs", "corrupt.json.gz", bytes(data))
    expected = whole_lines_before_damage(bytes(data))
    assert 20 < expected < 200
    s = ingest(tmp_path / "lake", tmp_path / "logs")
    # The standard library, fed 256 bytes at a time, may stop a record short of the oracle.
    assert expected - 1 <= s.rows_written <= expected
    assert s.quarantine_reasons == {"corrupt_gzip": 1}
    assert s.lines == s.rows_written + 1


# --- bounded memory -------------------------------------------------------------------------

def tree_rss(root_pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            status = (d / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
        for row in status.splitlines():
            if row.startswith("VmRSS:"):
                rss[int(d.name)] = int(row.split()[1]) * 1024
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def peak_tree_rss(cmd: list[str], timeout: float) -> tuple[int, subprocess.CompletedProcess[str]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"{cmd} took over {timeout}s")
        time.sleep(0.05)
    out, err = proc.communicate()
    return peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def newline_bomb() -> bytes:
    """1 GiB of newlines in about 1 MB: sixteen gzip members of 64 MiB each."""
    member = gzip.compress(b"\n" * (64 << 20), compresslevel=9, mtime=0)
    return member * 16


ARRAY_BOMB = gzip.compress(b"[" + b"{}," * (8_000_000 // 3) + b"{}]", mtime=0)


@pytest.mark.parametrize("name,data,lines", [
    ("newlines.json.gz", newline_bomb, 0),
    ("array.json", lambda: ARRAY_BOMB, 8_000_000 // 3 + 1),
])
def test_bombs_stay_under_1_gb_of_memory(tmp_path: Path, name: str, data: Any,
                                         lines: int) -> None:
    blob = data()
    assert len(blob) < 1_100_000
    put(tmp_path / "logs", name, blob)
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files",
           str(tmp_path / "logs"), "--lake", str(tmp_path / "lake"), "--workers", "2",
           "--json"]
    peak, r = peak_tree_rss(cmd, timeout=240)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["lines"] == lines and summary["balanced"]
    print(f"{name}: peak RSS of the process tree {peak / 1e6:.0f} MB")
    assert peak < 1_000_000_000
    if lines:
        assert len(quarantine_rows(tmp_path / "lake")) == 1001  # capped, the rest folded


def test_rerun_does_not_write_quarantine_entries_again(tmp_path: Path) -> None:
    put(tmp_path / "logs", "a.json.gz", gzip.compress(line(1) + b"\n{bad\n"))
    ingest(tmp_path / "lake", tmp_path / "logs")
    [before] = (tmp_path / "lake" / "quarantine").glob("part-*.parquet")
    stamp = before.stat()
    ingest(tmp_path / "lake", tmp_path / "logs")
    [after] = (tmp_path / "lake" / "quarantine").glob("part-*.parquet")
    assert (after.stat().st_ino, after.stat().st_mtime_ns) == (stamp.st_ino, stamp.st_mtime_ns)
