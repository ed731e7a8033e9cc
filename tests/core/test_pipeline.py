"""The pipeline over real gzip files in the real key layout: dedupe, idempotence, bad input,
the count invariant, atomic writes, locking and crash safety."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook.ingest import state
from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.dedupe import KeySet
from bedrock_logbook.ingest.lake import LakeBusyError, LakeLock
from bedrock_logbook.ingest.objects import RawObject, list_local, read_local
from bedrock_logbook.ingest.parquet_files import rechunked
from bedrock_logbook.ingest.pipeline import (
    IngestOptions,
    RunSummary,
    ingest_objects,
    ingest_records,
)
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.lake.location import local_path
from tests.core.lakeutil import (
    orphan_data_files,
    snapshot,
    snapshot_ids,
    table_files,
    write_batch,
)
from tests.core.records import converse, imwrs_anthropic

OPTS = IngestOptions(salt="test-salt", workers=1)


def rid(i: int) -> str:
    return f"00000000-0000-0000-0000-{i:012d}"


def ingest_dir(lake: Path, src: Path, options: IngestOptions = OPTS) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        return ingest_objects(lake, read_local(files), skipped=skipped, options=options)


def lake_rows(lake: Path) -> list[dict[str, Any]]:
    """The rows of the table's current snapshot, with their UTC ``date``."""
    files = [local_path(u) for u in table_files(lake)]
    if not files:
        return []
    cur = duckdb.execute(
        "SELECT *, CAST(timezone('UTC', ts) AS DATE) AS date "
        "FROM read_parquet(?, hive_partitioning = false) ORDER BY request_id", [files])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def assert_balanced(s: RunSummary) -> None:
    assert s.lines == s.rows_written + s.duplicates + s.quarantined
    assert s.balanced


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_batch(root, [converse(rid(1)), converse(rid(2), timestamp="2026-11-03T00:00:05Z")],
                hour="2026/11/02/23", name="20261102T235959000Z_aaaaaaaaaaaaaaaa.json.gz")
    write_batch(root, [imwrs_anthropic(rid(3)), converse(rid(1))],  # rid 1 delivered twice
                region="us-west-2", name="20261102T100500000Z_bbbbbbbbbbbbbbbb.json.gz")
    return root


def test_rows_partitioned_by_invocation_date_and_deduplicated(tmp_path: Path,
                                                              logs: Path) -> None:
    lake = tmp_path / "lake"
    s = ingest_dir(lake, logs)
    assert (s.objects, s.lines, s.rows_written, s.duplicates, s.quarantined) == (2, 4, 3, 1, 0)
    assert_balanced(s)
    dirs = sorted(Path(local_path(u)).parent.relative_to(lake).as_posix()
                  for u in table_files(lake))
    # rid 2 was delivered in the 23h folder but happened on the 3rd: record time wins.
    assert dirs == ["invocations/data/ts_day=2026-11-02", "invocations/data/ts_day=2026-11-03"]
    assert len(snapshot_ids(lake)) == 1  # one run, one snapshot
    rows = lake_rows(lake)
    assert [r["request_id"] for r in rows] == [rid(1), rid(2), rid(3)]
    assert str(rows[1]["date"]) == "2026-11-03"
    assert rows[0]["source"].endswith("_aaaaaaaaaaaaaaaa.json.gz")
    assert rows[0]["source_line"] == 1


def test_rerun_changes_nothing_byte_for_byte(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "lake"
    ingest_dir(lake, logs)
    before = snapshot(lake)
    s = ingest_dir(lake, logs)
    assert (s.rows_written, s.duplicates) == (0, 4)  # rid 1 arrives twice in the input
    assert snapshot(lake) == before
    assert len(snapshot_ids(lake)) == 1  # the rerun committed no snapshot


def test_same_input_gives_same_bytes_in_a_fresh_lake_and_with_two_workers(
        tmp_path: Path, logs: Path) -> None:
    ingest_dir(tmp_path / "a", logs)
    ingest_dir(tmp_path / "b", logs, IngestOptions(salt="test-salt", workers=2))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_dedupe_across_runs_and_sources(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "lake"
    ingest_dir(lake, logs)
    with LakeLock(lake):
        s = ingest_records(lake, [converse(rid(3)), converse(rid(4))], source="cloudwatch",
                           options=OPTS)
    assert (s.rows_written, s.duplicates) == (1, 1)
    assert [r["request_id"] for r in lake_rows(lake)] == [rid(i) for i in (1, 2, 3, 4)]


def test_bad_inputs_are_quarantined_or_skipped_and_counted(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    good = write_batch(root, [converse(rid(1)), b"{not json", converse(rid(2),
                       timestamp="[REDACTED]"), b"", b"[", converse(rid(3))])
    # A truncated object: cut three quarters of the way through its compressed bytes.
    truncated = good.with_name("20261102T100200000Z_cccccccccccccccc.json.gz")
    truncated.write_bytes(_truncated_gzip([rid(i) for i in range(10, 40)], 0.75))
    # Objects that are not log batches.
    (root / "amazon-bedrock-logs-permission-check").write_bytes(b"")
    data = good.parent / "data"
    data.mkdir()
    (data / f"{rid(1)}_input.json.gz").write_bytes(gzip.compress(b"{}"))
    (data / f"{rid(1)}_input_media_00.pdf").write_bytes(b"%PDF")

    lake = tmp_path / "lake"
    s = ingest_dir(lake, root)
    assert_balanced(s)
    assert s.skipped_reasons == {"permission_check_object": 1, "data_payload": 2}
    (run,) = (lake / "_runs").glob("run-*.json")
    listed = json.loads(run.read_text())["skipped"]
    assert sorted((Path(x["uri"]).name, x["reason"]) for x in listed) == [
        (f"{rid(1)}_input.json.gz", "data_payload"),
        (f"{rid(1)}_input_media_00.pdf", "data_payload"),
        ("amazon-bedrock-logs-permission-check", "permission_check_object")]
    assert s.quarantine_reasons == {"malformed_json": 1, "bad_timestamp": 1,
                                    "truncated_gzip": 1}
    q = pq.read_table(next((lake / "quarantine").glob("part-*.parquet"))).to_pylist()
    by_reason = {r["reason"]: r for r in q}
    assert by_reason["malformed_json"]["source_line"] == 2
    # No line text without --keep-bodies: the offset and a salted fingerprint find it.
    assert by_reason["malformed_json"]["raw"] is None
    assert by_reason["malformed_json"]["byte_offset"] == len(json.dumps(converse(rid(1)))) + 1
    assert by_reason["malformed_json"]["line_fp"] == hashlib.sha256(
        b"test-salt{not json").hexdigest()[:16]
    assert by_reason["bad_timestamp"]["request_id"] == rid(2)
    assert by_reason["truncated_gzip"]["source"] == str(truncated)
    assert "gzip" in by_reason["truncated_gzip"]["detail"]
    ids = {r["request_id"] for r in lake_rows(lake)}
    # Whole records before the cut are kept.
    assert {rid(1), rid(3)} <= ids and rid(2) not in ids
    assert 0 < len(ids & {rid(i) for i in range(10, 40)}) < 30


def _truncated_gzip(ids: list[str], keep: float) -> bytes:
    """A gzip object cut short; records carry incompressible text so the cut loses little."""
    rnd = random.Random(0)
    records = []
    for i in ids:
        r = converse(i)
        r["output"]["outputBodyJson"]["output"]["message"]["content"][0]["text"] = (
            f"{rnd.getrandbits(128):032x}") * 20
        records.append(json.dumps(r).encode())
    blob = gzip.compress(b"\n".join(records) + b"\n", mtime=0, compresslevel=1)
    return blob[: int(len(blob) * keep)]


def test_truncated_gzip_keeps_every_whole_line_before_the_cut(tmp_path: Path) -> None:
    ids = [rid(i) for i in range(50)]
    lake = tmp_path / "lake"
    with LakeLock(lake):
        s = ingest_objects(lake, [RawObject("mem://cut.json.gz", _truncated_gzip(ids, 0.5))],
                           options=OPTS)
    assert_balanced(s)
    assert s.quarantine_reasons == {"truncated_gzip": 1}
    kept = [r["request_id"] for r in lake_rows(lake)]
    assert 15 < len(kept) < 35
    assert kept == ids[: len(kept)]  # every whole line before the cut, in order


def test_file_that_is_not_gzip_or_json(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "junk.json.gz").write_bytes(os.urandom(64).replace(b"\n", b" ") + b"\n")
    s = ingest_dir(tmp_path / "lake", root)
    assert_balanced(s)
    assert s.rows_written == 0 and s.quarantined == 1


def test_pretty_printed_and_array_json_files(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    root.mkdir()
    (root / "one.json").write_text(json.dumps(converse(rid(1)), indent=2))
    (root / "many.json").write_text(json.dumps([converse(rid(2)), converse(rid(3))]))
    (root / "lines.jsonl").write_text(json.dumps(converse(rid(4))) + "\n")
    s = ingest_dir(tmp_path / "lake", root)
    assert (s.rows_written, s.quarantined) == (4, 0)


def test_keep_bodies_opt_in(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with LakeLock(lake):
        ingest_records(lake, [converse(rid(1))],
                       options=IngestOptions(salt="s", workers=1, keep_bodies=True))
    (row,) = lake_rows(lake)
    assert json.loads(row["input_body_json"])["messages"][0]["role"] == "user"


def test_salt_defaults_to_one_kept_in_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with LakeLock(lake):
        ingest_records(lake, [converse(rid(1))], options=IngestOptions(workers=1))
        ingest_records(lake, [converse(rid(2))], options=IngestOptions(workers=1))
    a, b = lake_rows(lake)
    assert a["prompt_fp"] == b["prompt_fp"]  # same prompt, same salt across runs
    assert len(json.loads((lake / "_lake.json").read_text())["salt"]) == 32


def test_lock_excludes_a_second_ingest_and_survives_a_killed_holder(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with LakeLock(lake), pytest.raises(LakeBusyError, match="another ingest"), LakeLock(lake):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from pathlib import Path\n"
         "from bedrock_logbook.ingest.lake import LakeLock\n"
         f"with LakeLock(Path({str(lake)!r})):\n print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    with pytest.raises(LakeBusyError, match=str(holder.pid)), LakeLock(lake):
        pass
    holder.kill()
    holder.wait()
    with LakeLock(lake):  # the dead holder's lock is free again
        pass


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "lake"
    for part in (lake / "invocations" / "date=2026-11-02",
                 lake / "invocations" / "data" / "ts_day=2026-11-02"):
        part.mkdir(parents=True)
        (part / ".tmp-part-pending.parquet").write_bytes(b"half a file")
    (lake / "_staging").mkdir()
    (lake / "_staging" / "2026-11-02.arrow").write_bytes(b"x")
    ingest_dir(lake, logs)
    assert not list(lake.rglob(".tmp-*")) and not (lake / "_staging").exists()


def test_state_is_committed_with_the_run(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    objs = [RawObject("s3://b/k1.json.gz", gzip.compress(json.dumps(converse(rid(1))).encode()),
                      state_key="k1", fingerprint="etag1")]
    with LakeLock(lake):
        ingest_objects(lake, objs, source="s3", options=OPTS,
                       source_state={"watermark:g": "2026-11-02T10:00:00Z"})
    assert state.ingested_objects(lake, "s3") == {"k1": "etag1"}
    assert state.source_state(lake, "s3") == {"watermark:g": "2026-11-02T10:00:00Z"}
    (run,) = (lake / "_runs").glob("run-*.json")
    assert json.loads(run.read_text())["rows_written"] == 1


def test_rechunked_row_groups_do_not_depend_on_arrival() -> None:
    table = pa.Table.from_pylist(
        [{"request_id": rid(i), "ts": None} for i in range(10)], schema=INVOCATIONS_SCHEMA)
    one = [t.num_rows for t in rechunked(table.to_batches(max_chunksize=10), 4, INVOCATIONS_SCHEMA)]
    many = [t.num_rows for t in rechunked(table.to_batches(max_chunksize=3), 4, INVOCATIONS_SCHEMA)]
    assert one == many == [4, 4, 2]


# Points before the table commit leave the table at its last snapshot; the others after it.
CRASH_POINTS = {"after_first_batch": 0, "after_parse": 0, "after_partition_write": 0,
                "before_table_commit": 0, "after_table_commit": 1, "before_state_commit": 1,
                "after_state_commit": 1}


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_at_any_point_then_rerun_equals_an_uninterrupted_run(
        tmp_path: Path, logs: Path, point: str) -> None:
    earlier = tmp_path / "earlier"
    write_batch(earlier, [converse(rid(50)), converse(rid(1))])  # rid 1 is in `logs` too
    ingest_dir(tmp_path / "clean", earlier)
    ingest_dir(tmp_path / "clean", logs)
    lake = tmp_path / "lake"
    ingest_dir(lake, earlier)
    before = snapshot_ids(lake)
    repo = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(logs),
           "--lake", str(lake), "--salt", "test-salt", "--workers", "1"]
    killed = subprocess.run(cmd, cwd=repo, env={**os.environ, CRASH_ENV: point},
                            capture_output=True)
    assert killed.returncode == -9
    # While killed, the table is at its last snapshot: the killed run's, or the one before.
    assert snapshot_ids(lake)[:len(before)] == before
    assert len(snapshot_ids(lake)) == len(before) + CRASH_POINTS[point]
    left_behind = orphan_data_files(lake)
    assert bool(left_behind) == (point in ("after_partition_write", "before_table_commit"))
    rerun = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert snapshot(lake) == snapshot(tmp_path / "clean")
    assert not (lake / "_staging").exists()
    # The rerun found the killed run's staging folder and, holding the lock, deleted the
    # data files that run wrote and never committed; nothing else is unreferenced.
    assert orphan_data_files(lake) == []
    assert all(not Path(p).exists() for p in left_behind)


def test_source_counters_are_taken_after_the_last_object_and_recorded(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    counters = {"retries": 0}

    def objects() -> Any:
        yield RawObject("mem://a", json.dumps(converse(rid(1))).encode())
        counters["retries"] = 3  # e.g. a source that retried while downloading

    with LakeLock(lake):
        s = ingest_objects(lake, objects(), options=OPTS, extra=lambda: dict(counters))
    assert s.extra == {"retries": 3} and "retries 3" in s.line()
    (run,) = (lake / "_runs").glob("run-*.json")
    assert json.loads(run.read_text())["extra"] == {"retries": 3}


def test_a_failing_source_leaves_no_staging_and_no_data(tmp_path: Path) -> None:
    lake = tmp_path / "lake"

    def objects() -> Any:
        yield RawObject("mem://a", json.dumps(converse(rid(1))).encode())
        raise ConnectionError("download cut short")

    with LakeLock(lake), pytest.raises(ConnectionError):
        ingest_objects(lake, objects(), options=OPTS)
    assert not (lake / "_staging").exists()
    assert not (lake / "invocations").exists() and not (lake / "_runs").exists()


class _SmallKeySet(KeySet):
    MERGE_AT = 5  # merge often, so the sorted-array path is exercised


def test_keyset_matches_a_plain_set_across_merges() -> None:
    rnd = random.Random(3)
    pool = [rnd.randbytes(16) for _ in range(40)]
    existing = pool[:7]
    keys = _SmallKeySet(list(existing))
    reference = set(existing)
    for _ in range(30):
        batch = [rnd.choice(pool) for _ in range(rnd.randint(0, 6))]
        expected = []
        for i, k in enumerate(batch):
            if k not in reference:
                reference.add(k)
                expected.append(i)
        assert keys.add_new(batch) == expected
    assert len(keys) == len(reference)


def test_a_lake_path_pyiceberg_would_misread_is_refused_with_one_line(tmp_path: Path,
                                                                    logs: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    lake = tmp_path / "lake?"
    r = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(logs),
                        "--lake", str(lake)], cwd=repo, capture_output=True, text=True)
    assert r.returncode == 3 and "'?' cannot be part of a lake's path" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not lake.exists()


def test_a_failing_source_with_worker_processes_reaches_the_caller(tmp_path: Path) -> None:
    """With workers the objects are read by a feeder thread; its error must still end the
    run (not hang it, not commit what was parsed before it)."""
    lake = tmp_path / "lake"

    def objects() -> Any:
        for i in range(3):
            yield RawObject(f"mem://{i}", json.dumps(converse(rid(i))).encode())
        raise ConnectionError("download cut short")

    with LakeLock(lake), pytest.raises(ConnectionError, match="download cut short"):
        ingest_objects(lake, objects(), options=IngestOptions(salt="test-salt", workers=2))
    assert not (lake / "_staging").exists()
    assert not (lake / "invocations").exists() and not (lake / "_runs").exists()


def test_data_files_hold_fixed_row_groups_and_at_most_file_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer streams a day's rows into files of DATA_FILE_ROWS rows made of
    DATA_ROW_GROUP_ROWS-row groups, in input order (shrunk here to 10 and 30 rows)."""
    from bedrock_logbook.ingest import pipeline, table

    monkeypatch.setattr(pipeline, "DATA_ROW_GROUP_ROWS", 10)
    monkeypatch.setattr(table, "DATA_ROW_GROUP_ROWS", 10)
    monkeypatch.setattr(pipeline, "DATA_FILE_ROWS", 30)
    lake = tmp_path / "lake"
    s = ingest_records(lake, [converse(rid(i)) for i in range(75)], options=OPTS)
    assert s.rows_written == 75
    metas = [pq.ParquetFile(local_path(u)).metadata
             for u in sorted(table_files(lake))]  # names end in the file's number
    # 75 rows of one day: 30 + 30 + 15, in groups of 10 (the last file 10 + 5).
    assert [[m.row_group(g).num_rows for g in range(m.num_row_groups)] for m in metas] == [
        [10, 10, 10], [10, 10, 10], [10, 5]]
    first_ids = [pq.read_table(local_path(u), columns=["request_id"]).column(0)[0].as_py()
                 for u in sorted(table_files(lake))]
    assert first_ids == [rid(0), rid(30), rid(60)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_big_day_is_two_files_of_consecutive_rows_whatever_the_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """A day of at least SPLIT_WAYS * MIN_SPLIT_ROWS rows is written as two runs of its rows
    (split at staged-batch boundaries), a file each: workers write them side by side, and
    the files depend on the input only (shrunk here: 20-row minimum, a batch per object)."""
    from bedrock_logbook.ingest import pipeline

    monkeypatch.setattr(pipeline, "MIN_SPLIT_ROWS", 20)
    monkeypatch.setattr(pipeline, "BATCH_OBJECTS", 1)
    objects = [RawObject(f"mem:obj-{k}", b"\n".join(
        json.dumps(converse(rid(10 * k + i))).encode() for i in range(10)))
        for k in range(6)]
    lake = tmp_path / "lake"
    s = ingest_objects(lake, objects, options=IngestOptions(salt="test-salt", workers=workers))
    assert s.rows_written == 60
    files = sorted(table_files(lake))
    ids = [pq.read_table(local_path(u), columns=["request_id"]).column(0).to_pylist()
           for u in files]
    # 60 rows in six staged batches of 10: batches starting before row 30 make the first
    # file, the others the second.
    assert ids == [[rid(i) for i in range(30)], [rid(i) for i in range(30, 60)]]
    # And one file below the minimum: 19 rows a piece would be under 20.
    small = tmp_path / "small"
    ingest_objects(small, objects[:3] + [RawObject("mem:obj-x", b"\n".join(
        json.dumps(converse(rid(100 + i))).encode() for i in range(9)))],
        options=IngestOptions(salt="test-salt", workers=workers))
    assert len(table_files(small)) == 1
