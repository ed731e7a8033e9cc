"""`migrate` on a hive-layout lake (the layout the writer used before the Iceberg table): every
hive file registered in place (no rewrite, same bytes), a rerun commits nothing, DuckDB over the
planned files counts what the hive lake counts, the command's exit codes, and the first ingest
into a hive lake migrating it on its own."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.migrate import hive_files, migrate
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.table import (
    open_table,
)
from bedrock_logbook.lake.location import (
    TableError,
    file_uri,
    local_path,
    resolve,
)
from bedrock_logbook.lake.reading import (
    data_files,
)
from tests.core.lakeutil import snapshot_ids, table_paths, write_batch
from tests.core.records import converse

ROOT = Path(__file__).resolve().parents[2]

# Hand count of the records written below, per UTC day: 4 on Nov 1, 3 + 2 on Nov 2, 1 on Nov 3.
EXPECTED_PER_DAY = {"2026-11-01": 4, "2026-11-02": 5, "2026-11-03": 1}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "BEDROCK_LOGBOOK_SALT": "migrate-tests"})


def ingest(logs: Path, lake: Path) -> RunSummary:
    """The real ingest, in process (what `bedrock-logbook ingest files` runs)."""
    files, skipped = list_local(logs)
    with LakeLock(lake):
        summary = ingest_objects(lake, read_local(files), skipped=skipped,
                                 options=IngestOptions(salt="migrate-tests", workers=1))
    assert summary.balanced and summary.quarantined == 0
    return summary


def hive_ingest(logs: Path, lake: Path, scratch: Path) -> None:
    """What the hive-layout writer left for one run: the real ingest's rows (into a scratch
    table lake), one ``invocations/date=D/part-<digest>.parquet`` per day, without Iceberg
    field IDs, and the lake's ``_lake.json``."""
    ingest(logs, scratch)
    for path in table_paths(scratch):
        # ParquetFile: read_table on pyarrow 18 adds the folder's ts_day as a column
        rows = pq.ParquetFile(path).read().cast(INVOCATIONS_SCHEMA)
        day = rows.column("ts")[0].as_py().astimezone(dt.UTC).date().isoformat()
        folder = lake / "invocations" / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(",".join(rows.column("request_id").to_pylist()).encode(),
                               digest_size=10).hexdigest()
        pq.write_table(rows, folder / f"part-{name}.parquet", compression="zstd",
                       row_group_size=32_768)
    shutil.copy(scratch / "_lake.json", lake / "_lake.json")


def batch(root: Path, day: str, hour: str, ids: list[str]) -> None:
    write_batch(root, [converse(i, timestamp=f"2026-11-{day}T{hour}:05:00Z") for i in ids],
                hour=f"2026/11/{day}/{hour}",
                name=f"202611{day}T{hour}0000000Z_{day}{hour}.json.gz")


@pytest.fixture(scope="module")
def built_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hive lake from two real ingests: Nov 2 gets one file from each (4 files in all)."""
    tmp_path = tmp_path_factory.mktemp("built")
    lake = tmp_path / "lake"
    first, second = tmp_path / "logs1", tmp_path / "logs2"
    batch(first, "01", "10", [f"a-{i}" for i in range(4)])
    batch(first, "02", "10", [f"b-{i}" for i in range(3)])
    hive_ingest(first, lake, tmp_path / "scratch1")
    batch(second, "02", "11", [f"c-{i}" for i in range(2)])
    batch(second, "03", "09", ["d-0"])
    hive_ingest(second, lake, tmp_path / "scratch2")
    return lake


@pytest.fixture
def lake(built_lake: Path, tmp_path: Path) -> Path:
    """A fresh copy per test (the table records absolute paths, so copy before migrating)."""
    return Path(shutil.copytree(built_lake, tmp_path / "lake"))


def digests(lake: Path) -> dict[str, str]:
    return {p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*.parquet"))}


def counts_per_day(files: list[str]) -> dict[str, int]:
    rows = duckdb.connect().execute(
        "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d') AS day, count(*) "
        "FROM read_parquet($f, hive_partitioning = false) GROUP BY day ORDER BY day",
        {"f": files}).fetchall()
    return dict(rows)


def test_migrate_registers_every_hive_file_in_place_and_a_rerun_adds_nothing(lake: Path) -> None:
    before = digests(lake)
    hive = hive_files(lake)
    assert len(hive) == 4  # the fixture's layout, so the test covers several files a day

    summary = migrate(resolve(lake, None, env={}))
    assert (summary.files_found, summary.files_added, summary.rows_added) == (4, 4, 10)
    assert digests(lake) == before  # no Parquet file written, rewritten or moved

    table = open_table(resolve(lake, None, env={}))
    assert data_files(table) == sorted(file_uri(p) for p in hive)
    files = [local_path(f) for f in data_files(table)]
    assert counts_per_day(files) == EXPECTED_PER_DAY
    assert table.scan().to_arrow().num_rows == 10
    snapshot = table.current_snapshot()
    assert snapshot is not None and len(table.snapshots()) == 1
    metadata = sorted((lake / "invocations" / "metadata").iterdir())

    again = migrate(resolve(lake, None, env={}))
    assert (again.files_found, again.files_added, again.snapshot_id) == (4, 0, None)
    reread = open_table(resolve(lake, None, env={}))
    assert reread.current_snapshot() == snapshot
    assert sorted((lake / "invocations" / "metadata").iterdir()) == metadata  # no commit


def test_duckdb_over_the_planned_files_counts_what_the_hive_lake_counts(lake: Path) -> None:
    migrate(resolve(lake, None, env={}))
    planned = [local_path(f) for f in data_files(open_table(resolve(lake, None, env={})))]
    hive = duckdb.connect().execute(
        "SELECT strftime(date, '%Y-%m-%d'), count(*) FROM read_parquet($glob, "
        "hive_partitioning = true, hive_types = {'date': DATE}) GROUP BY 1 ORDER BY 1",
        {"glob": str(lake / "invocations" / "date=*" / "*.parquet")}).fetchall()
    assert dict(hive) == counts_per_day(planned) == EXPECTED_PER_DAY
    # Today's readers still read the migrated lake (the table's metadata is not Parquet).
    con = queries.connect(lake)
    assert con.execute("SELECT count(*) FROM raw_invocations").fetchall() == [(10,)]


def test_migrate_after_another_hive_write_adds_only_the_new_file(lake: Path,
                                                                 tmp_path: Path) -> None:
    migrate(resolve(lake, None, env={}))
    more = tmp_path / "logs3"
    batch(more, "03", "12", ["e-0", "e-1"])
    hive_ingest(more, lake, tmp_path / "scratch")  # e.g. an older bedrock-logbook on cron
    summary = migrate(resolve(lake, None, env={}))
    assert (summary.files_found, summary.files_added, summary.rows_added) == (5, 1, 2)
    table = open_table(resolve(lake, None, env={}))
    assert table.scan().to_arrow().num_rows == 12
    assert len(table.snapshots()) == 2


def test_migrate_refuses_a_lake_whose_registered_files_were_compacted_away(lake: Path) -> None:
    migrate(resolve(lake, None, env={}))
    # What the hive writer's compact did to Nov 2's two files: merged them into a new one.
    nov2 = sorted((lake / "invocations" / "date=2026-11-02").glob("part-*.parquet"))
    assert len(nov2) == 2
    merged = pa.concat_tables([pq.ParquetFile(p).read() for p in nov2])
    pq.write_table(merged, nov2[0].with_name("part-merged.parquet"))
    for p in nov2:
        p.unlink()
    with pytest.raises(TableError, match="no longer exist"):
        migrate(resolve(lake, None, env={}))


def test_migrate_command_prints_one_line_and_is_idempotent(lake: Path) -> None:
    first = cli("migrate", "--lake", str(lake))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("migrate: 4 hive files, 4 added (10 rows) in one snapshot")
    second = cli("migrate", "--lake", str(lake))
    assert second.returncode == 0, second.stderr
    assert "all already in the table; nothing committed" in second.stdout


def test_migrate_command_errors_have_exit_codes(lake: Path, tmp_path: Path) -> None:
    missing = cli("migrate", "--lake", str(tmp_path / "nope"))
    assert missing.returncode == 3 and "set --lake" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    glue = cli("migrate", "--lake", str(lake), "--catalog", "glue")
    assert glue.returncode == 3 and "needs an s3://BUCKET/PREFIX lake" in glue.stderr
    with LakeLock(lake):
        busy = cli("migrate", "--lake", str(lake))
    assert busy.returncode == 75 and "nothing done" in busy.stderr
    assert not (lake / "_catalog.sqlite").exists()  # nothing was created while refused


def test_files_from_before_a_nullable_column_was_added_are_taken_over(tmp_path: Path) -> None:
    """Lakes written by older versions lack the newest nullable columns; they read as NULL."""
    old = pa.schema([f for f in INVOCATIONS_SCHEMA if f.name != "max_output_tokens"])
    row = {name: None for name in old.names}
    row.update(request_id="old-1", ts=dt.datetime(2026, 10, 30, 12, tzinfo=dt.UTC),
               output_tokens=7)
    folder = tmp_path / "lake" / "invocations" / "date=2026-10-30"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([row], schema=old), folder / "part-old.parquet")

    summary = migrate(resolve(tmp_path / "lake", None, env={}))
    assert (summary.files_added, summary.rows_added) == (1, 1)
    back = open_table(resolve(tmp_path / "lake", None, env={})).scan().to_arrow()
    assert back.schema.equals(INVOCATIONS_SCHEMA, check_metadata=False)
    assert back.select(["request_id", "output_tokens", "max_output_tokens"]).to_pylist() == [
        {"request_id": "old-1", "output_tokens": 7, "max_output_tokens": None}]


def test_the_first_ingest_into_a_hive_lake_migrates_it_then_dedupes_against_it(
        lake: Path, tmp_path: Path) -> None:
    before = digests(lake)
    more = tmp_path / "logs3"
    batch(more, "03", "12", ["e-0", "d-0"])  # d-0 is in the hive lake already
    summary = ingest(more, lake)
    assert (summary.rows_written, summary.duplicates) == (1, 1)
    table = open_table(resolve(lake, None, env={}))
    migrated, ingested = table.snapshots()
    assert migrated.summary is not None and ingested.summary is not None
    assert migrated.summary["bedrock_logbook.operation"] == "migrate"
    assert migrated.summary["bedrock_logbook.deduped_against"] == "none"  # the root: clean
    assert ingested.summary["bedrock_logbook.operation"] == "ingest"
    assert ingested.summary["bedrock_logbook.deduped_against"] == str(migrated.snapshot_id)
    assert ingested.parent_snapshot_id == migrated.snapshot_id
    files = [local_path(f) for f in data_files(table)]
    assert counts_per_day(files) == {**EXPECTED_PER_DAY, "2026-11-03": 2}
    # The hive files stay where they were, byte for byte, and are read in place.
    assert {k: v for k, v in digests(lake).items() if "/date=" in k} == before
    assert sum("/date=" in f for f in files) == 4
    assert len(snapshot_ids(lake)) == 2
    again = ingest(more, lake)  # nothing new: no snapshot, no second migration
    assert again.rows_written == 0 and len(snapshot_ids(lake)) == 2
