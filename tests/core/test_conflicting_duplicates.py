"""Issue 10 point 6: a duplicate whose content differs from the stored copy's (same
requestId, other token counts ...) is counted as conflicting; the winner stays the first copy.

Every expected count below is worked out by hand from the records the test writes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from bedrock_logbook.ingest.dedupe import IN_LAKE, KeySet
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import RawObject
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from tests.core.lakeutil import snapshot, table_paths, write_batch
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[2]
OPTS = IngestOptions(salt="s", workers=1)
R1 = "11111111-0000-0000-0000-00000000000a"
R2 = "11111111-0000-0000-0000-00000000000b"
R3 = "not-a-uuid-request-3"


def ndjson(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def ingest(lake: Path, *objects: tuple[str, bytes],
           options: IngestOptions = OPTS) -> RunSummary:
    with LakeLock(lake):
        return ingest_objects(lake, [RawObject(uri, data) for uri, data in objects],
                              options=options)


def stored(lake: Path) -> list[tuple[str, int]]:
    return duckdb.execute("SELECT request_id, output_tokens FROM read_parquet(?) ORDER BY 1",
                          [table_paths(lake)]).fetchall()


def test_within_one_run(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    s = ingest(lake,
               ("a", ndjson(converse(R1, output_tokens=5), converse(R2, output_tokens=5),
                            converse(R3, input_tokens=9))),
               # R1 again, same content (other object, other line): a plain repeat;
               # R2 with other output tokens and R3 with other input tokens: conflicting.
               ("b", ndjson(converse(R2, output_tokens=7), converse(R1, output_tokens=5),
                            converse(R3, input_tokens=10), converse(R3, input_tokens=9))))
    assert (s.lines, s.rows_written, s.duplicates, s.conflicting) == (7, 3, 4, 2)
    assert s.balanced
    assert "4 duplicates (2 conflicting)" in s.line()
    assert stored(lake) == [(R1, 5), (R2, 5), (R3, 50)]  # the first copies


def test_same_content_is_not_conflicting(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    rec = converse(R1)
    s = ingest(lake, ("a", ndjson(rec, rec)), ("b", ndjson(rec)))
    assert (s.duplicates, s.conflicting) == (2, 0)
    assert "conflicting" not in s.line()
    again = ingest(lake, ("c", ndjson(rec)))
    assert (again.duplicates, again.conflicting) == (1, 0)


def test_across_runs_against_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = ingest(lake, ("a", ndjson(converse(R1, output_tokens=5),
                                      converse(R2, output_tokens=5),
                                      converse(R3, output_tokens=5))))
    assert (first.rows_written, first.duplicates, first.conflicting) == (3, 0, 0)
    # R1 same content; R2 other output tokens; R3 logged a day later (another timestamp);
    # R2 twice in this run, both differing from the lake copy: 4 duplicates, 3 conflicting.
    second = ingest(lake, ("b", ndjson(converse(R1, output_tokens=5),
                                       converse(R2, output_tokens=7),
                                       converse(R3, output_tokens=5,
                                                timestamp="2026-11-03T10:00:00Z"),
                                       converse(R2, output_tokens=8))))
    assert (second.lines, second.rows_written, second.duplicates, second.conflicting) == (
        4, 0, 4, 3)
    assert second.balanced
    record = json.loads(next((lake / "_runs").glob(f"run-{second.run_id}.json")).read_text())
    assert (record["duplicates"], record["conflicting"]) == (4, 3)
    assert stored(lake) == [(R1, 5), (R2, 5), (R3, 5)]


def test_bodies_kept_or_not_are_the_same_content(tmp_path: Path) -> None:
    """The body columns are filled only with --keep-bodies: not a conflict."""
    lake = tmp_path / "lake"
    rec = converse(R1)
    ingest(lake, ("a", ndjson(rec)), options=IngestOptions(salt="s", workers=1,
                                                           keep_bodies=True))
    s = ingest(lake, ("b", ndjson(rec)))
    assert (s.duplicates, s.conflicting) == (1, 0)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=REPO,
                          capture_output=True, text=True, check=False)


def test_argument_order_changes_neither_winner_nor_counts(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_batch(a, [converse(R1, output_tokens=5), converse(R2)])
    write_batch(b, [converse(R1, output_tokens=7), converse(R2)])
    results = []
    for order, name in (((a, b), "l1"), ((b, a), "l2")):
        r = cli("ingest", "files", *map(str, order), "--lake", str(tmp_path / name),
                "--salt", "s", "--json")
        assert r.returncode == 0, r.stderr
        results.append(json.loads(r.stdout))
    for res in results:
        assert (res["rows_written"], res["duplicates"], res["conflicting"]) == (2, 2, 1)
    # the first copy in path order (a/ before b/) wins
    assert stored(tmp_path / "l1") == stored(tmp_path / "l2") == [(R1, 5), (R2, 50)]
    assert snapshot(tmp_path / "l1") == snapshot(tmp_path / "l2")


class _SmallKeySet(KeySet):
    MERGE_AT = 5  # merge often, so the sorted-array path is exercised


def test_keyset_keeps_each_winners_digest_across_merges() -> None:
    rnd = random.Random(5)
    pool = [rnd.randbytes(15) + b"\x00" for _ in range(10)]  # trailing NUL: no stripping
    pool += [rnd.randbytes(16) for _ in range(30)]
    lake = pool[:7]
    keys = _SmallKeySet(list(lake))
    winner: dict[bytes, int] = dict.fromkeys(lake, IN_LAKE)
    for _ in range(40):
        batch = [rnd.choice(pool) for _ in range(rnd.randint(0, 6))]
        fps = [rnd.choice((3, 5)) for _ in batch]
        expected_kept, expected_winners = [], []
        for i, (k, fp) in enumerate(zip(batch, fps, strict=True)):
            if k in winner:
                expected_winners.append(winner[k])
            else:
                winner[k] = fp
                expected_kept.append(i)
        assert keys.add_new_with_digests(batch, fps) == (expected_kept, expected_winners)
    assert len(keys) == len(winner)
