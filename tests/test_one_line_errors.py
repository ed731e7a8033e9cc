"""Issue 10: faults end in one line on stderr with the documented exit code, never a
traceback (they used to exit 1 with one)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.lakeutil import write_batch
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[1]
RID = "00000000-0000-0000-0000-000000000001"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def one_line(r: subprocess.CompletedProcess[str], code: int) -> str:
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
    return r.stderr


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    write_batch(tmp_path / "logs", [converse(RID)])
    return tmp_path / "logs"


@pytest.mark.parametrize("content", [b"{not json", b"{}", b'{"schema_version": 1}', b"[]",
                                     b'{"schema_version": "x", "salt": "s"}'])
def test_damaged_lake_meta(tmp_path: Path, logs: Path, content: bytes) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "_lake.json").write_bytes(content)
    err = one_line(cli("ingest", "files", str(logs), "--lake", str(lake)), 3)
    assert "_lake.json" in err


def test_salt_is_private_and_a_conflicting_salt_is_refused(tmp_path: Path,
                                                           logs: Path) -> None:
    lake = tmp_path / "lake"
    assert cli("ingest", "files", str(logs), "--lake", str(lake)).returncode == 0
    assert stat.S_IMODE((lake / "_lake.json").stat().st_mode) == 0o600
    err = one_line(cli("ingest", "files", str(logs), "--lake", str(lake), "--salt", "other"),
                   3)
    assert "--salt" in err
    salt = json.loads((lake / "_lake.json").read_text())["salt"]
    assert cli("ingest", "files", str(logs), "--lake", str(lake), "--salt", salt
               ).returncode == 0  # the same salt is fine


def test_first_salt_given_is_kept(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "lake"
    assert cli("ingest", "files", str(logs), "--lake", str(lake), "--salt", "mine"
               ).returncode == 0
    assert json.loads((lake / "_lake.json").read_text())["salt"] == "mine"
    one_line(cli("ingest", "files", str(logs), "--lake", str(lake), "--salt", "yours"), 3)


@pytest.mark.parametrize("csv_bytes,needle", [
    (b"model,usd_per_million\nx,1\n", "missing column"),
    ("model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
     "source\nm\xe9,standard,*,*,input,2024-01-01,1,x\n".encode("latin-1"), "not UTF-8"),
    (b"model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
     b"source\nm,standard,*,*,input,2024-01-01,1e20,x\n", "usd_per_million"),
])
def test_bad_prices_file(tmp_path: Path, logs: Path, csv_bytes: bytes, needle: str) -> None:
    lake = tmp_path / "lake"  # a real lake: without one, `sql` stops earlier (no lake)
    assert cli("ingest", "files", str(logs), "--lake", str(lake)).returncode == 0
    prices = tmp_path / "prices.csv"
    prices.write_bytes(csv_bytes)
    for args in (["sql", "SELECT 1"], ["duckdb-file", "--out", str(tmp_path / "x.duckdb")]):
        err = one_line(cli(*args, "--lake", str(lake), "--prices", str(prices)), 3)
        assert needle in err


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (root only): a disk that fills up."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                       capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full(tmp_path: Path, small_fs: Path) -> None:
    import gzip
    import random
    rnd = random.Random(1)
    recs = []
    for i in range(400):
        r = converse(f"00000000-0000-0000-0000-{i:012d}")
        r["requestMetadata"] = {"k": "".join(rnd.choice("abcdef0123456789") for _ in range(4000))}
        recs.append(json.dumps(r).encode())
    path = tmp_path / "logs" / "a.jsonl.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(b"\n".join(recs)))
    err = one_line(cli("ingest", "files", str(path), "--lake", str(small_fs / "lake"),
                       "--workers", "1"), 3)
    assert "No space left on device" in err


def test_read_only_lake(tmp_path: Path, logs: Path, small_fs: Path) -> None:
    lake = small_fs / "lake"
    assert cli("ingest", "files", str(logs), "--lake", str(lake)).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    write_batch(logs, [converse("00000000-0000-0000-0000-000000000002")], name="b.json.gz")
    err = one_line(cli("ingest", "files", str(logs), "--lake", str(lake)), 3)
    assert "Read-only file system" in err
    os.sync()
