"""Issue 12: ingest (and compact) keep rollup_hourly, rollup_daily and the model cube
rollup_daily_models equal to the rollup of the raw table's current rows, over real gzip files
and real lakes: one ingest, two ingests touching the same days, a rerun, kills between the
raw and the rollup commits and between any two tables' commits, compact, a raw table that
may hold a request_id twice, and one more per-day table built from raw rows (the entry shape
ingest/rollup_tables.DerivedTable documents).

Expected rollups come from the raw table read independently (tests/core/rollup_lake.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest.crash import CRASH_ENV
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, RunSummary, ingest_objects
from bedrock_logbook.lake.location import (
    PROMPT_PAIRS_TABLE,
    ROLLUP_HOURLY_TABLE,
    ROLLUP_MODELS_TABLE,
)
from bedrock_logbook.lake.reading import OPERATION_PROPERTY, ROLLUP, RUN_ID_PROPERTY
from tests.core.rollup_lake import (
    TABLES,
    expected_rollups,
    generated_logs,
    raw_snapshot,
    rollup_of,
    rollup_snapshots,
    rollup_table,
    stored_rollups,
)

pytest.importorskip("pyiceberg")

OPTS = IngestOptions(salt="test-salt", workers=1)
REPO = Path(__file__).resolve().parents[2]
DAY1 = datetime(2026, 11, 1, tzinfo=UTC)


def ingest(lake: Path, src: Path) -> RunSummary:
    files, skipped = list_local(src)
    with LakeLock(lake):
        return ingest_objects(lake, read_local(files), skipped=skipped, options=OPTS)


def cli_ingest(lake: Path, src: Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files", str(src), "--lake",
         str(lake), "--salt", "test-salt", "--workers", "1"],
        cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True)


def rollup_days(lake: Path, name: str) -> dict[date, set[str]]:
    """Each day the table's current files hold, and the files holding it (read from the
    files' rows: a file holds a month)."""
    import pyarrow.parquet as pq

    by_day: dict[date, set[str]] = {}
    for task in rollup_table(lake, name).scan().plan_files():
        path = task.file.file_path
        for day in set(pq.read_table(path.removeprefix("file://"), columns=["day"])
                       .column("day").to_pylist()):
            by_day.setdefault(day, set()).add(path)
    return by_day


def rollup_months(lake: Path, name: str) -> dict[int, set[str]]:
    """The table's current files by partition value (months since 1970-01)."""
    by_month: dict[int, set[str]] = {}
    for task in rollup_table(lake, name).scan().plan_files():
        by_month.setdefault(task.file.partition[0], set()).add(task.file.file_path)
    return by_month


def rollup_orphans(lake: Path) -> list[str]:
    """Files under the rollup tables' folders that neither a live snapshot nor the metadata
    references (what a killed refresh leaves until orphan removal)."""
    from bedrock_logbook.ingest.maintenance import referenced_files

    out = []
    for name in TABLES:
        referenced = referenced_files(rollup_table(lake, name))
        out += [str(p) for p in (lake / name).rglob("*") if p.is_file()
                and str(p) not in referenced]
    return out


@pytest.fixture
def two_batches(tmp_path: Path) -> tuple[Path, Path, set[str], set[str]]:
    a, b = tmp_path / "a", tmp_path / "b"
    days_a = generated_logs(a, 400, seed=11, start=DAY1, hours=48, tag="a")
    days_b = generated_logs(b, 300, seed=12, start=DAY1 + timedelta(hours=36), hours=40,
                            tag="b")
    return a, b, days_a, days_b


def test_one_ingest_builds_both_rollups_in_one_snapshot_each(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    a, _, days_a, _ = two_batches
    lake = tmp_path / "lake"
    summary = ingest(lake, a)
    assert days_a == {"2026-11-01", "2026-11-02"}  # the generator's hand-checked spread
    assert summary.rollup_days == 2 and "rollups of 2 days refreshed" in summary.line()
    assert stored_rollups(lake) == expected_rollups(lake)
    for name in TABLES:
        table = rollup_table(lake, name)
        assert len(table.snapshots()) == 1
        props = table.current_snapshot().summary.additional_properties
        assert props[OPERATION_PROPERTY] == ROLLUP and props[RUN_ID_PROPERTY] == summary.run_id
        assert rollup_of(lake, name) == raw_snapshot(lake)
        assert table.metadata.properties["bedrock_logbook.rollup_schema_version"] == "1"
        assert table.metadata.properties["write.parquet.compression-codec"] == "zstd"
        assert table.metadata.location == f"file://{lake}/{name}"
        # The pairs table holds only days with a prompt run both ways (its rows say which).
        days = days_a if name != PROMPT_PAIRS_TABLE else {
            str(dict(r)["day"]) for r in expected_rollups(lake)[name]}
        assert {str(d) for d in rollup_days(lake, name)} == days
    hourly = stored_rollups(lake)[ROLLUP_HOURLY_TABLE]
    assert sum(dict(r)["requests"] for r in hourly) == 400


def test_a_second_ingest_recomputes_only_the_days_it_touched(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    a, b, days_a, days_b = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a)
    before = {name: rollup_days(lake, name) for name in TABLES}
    summary = ingest(lake, b)
    assert days_b == {"2026-11-02", "2026-11-03", "2026-11-04"}
    assert summary.rollup_days == len(days_b)
    assert stored_rollups(lake) == expected_rollups(lake)
    for name in TABLES:
        assert rollup_snapshots(lake, name) == 2
        assert rollup_of(lake, name) == raw_snapshot(lake)
        after = rollup_days(lake, name)
        # One file a month: November 2026 = (2026 - 1970) * 12 + 10. Its file was replaced
        # by one holding 2026-11-01 (only in a: copied from the old file, whose rows the
        # equality above checks) beside the rebuilt days.
        assert set(rollup_months(lake, name)) == {(2026 - 1970) * 12 + 10}
        assert len(after[date(2026, 11, 1)]) == 1
        assert after[date(2026, 11, 1)].isdisjoint(before[name][date(2026, 11, 1)])
        assert after[date(2026, 11, 1)] == after[date(2026, 11, 2)]
        # Every day has rollup rows; the pairs table only days with a prompt run both ways.
        days = {date(2026, 11, d) for d in (1, 2, 3, 4)} if name != PROMPT_PAIRS_TABLE else {
            dict(r)["day"] for r in expected_rollups(lake)[name]}
        assert set(after) == days
    hourly = stored_rollups(lake)[ROLLUP_HOURLY_TABLE]
    assert sum(dict(r)["requests"] for r in hourly) == 700


def test_a_rerun_with_nothing_new_commits_no_rollup_snapshot(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    a, _, _, _ = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a)
    rerun = ingest(lake, a)
    assert rerun.rows_written == 0 and rerun.rollup_days == 0
    assert "rollups" not in rerun.line()
    assert [rollup_snapshots(lake, n) for n in TABLES] == [1] * len(TABLES)
    assert stored_rollups(lake) == expected_rollups(lake)


# Kill points after the raw commit: no rollup committed (with or without rollup files
# written), the hourly one committed and the others not, and before each further table's
# commit (the cube's, the pairs', the tags'...): the tables before it committed, it and
# those after it not. One entry per derived table, from TABLES (the writer's order).
KILLS = {"after_table_commit": (False,) * len(TABLES),
         "before_rollup_commit": (False,) * len(TABLES),
         "between_rollup_commits": (True,) + (False,) * (len(TABLES) - 1),
         **{f"before_{name}_commit": (True,) * i + (False,) * (len(TABLES) - i)
            for i, name in enumerate(TABLES) if i >= 2}}
assert f"before_{ROLLUP_MODELS_TABLE}_commit" in KILLS


@pytest.mark.parametrize("point", KILLS)
def test_a_kill_after_the_raw_commit_heals_on_the_rerun(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]], point: str) -> None:
    a, b, _, _ = two_batches
    clean = tmp_path / "clean"
    ingest(clean, a)
    ingest(clean, b)
    lake = tmp_path / "lake"
    ingest(lake, a)
    first_raw = raw_snapshot(lake)
    killed = cli_ingest(lake, b, {CRASH_ENV: point})
    assert killed.returncode == -9, killed.stderr
    assert raw_snapshot(lake) != first_raw  # the raw commit landed
    done = {name: rollup_of(lake, name) == raw_snapshot(lake) for name in TABLES}
    assert tuple(done[name] for name in TABLES) == KILLS[point]
    assert stored_rollups(lake) != expected_rollups(lake)  # behind: the kill mattered
    if point == "before_rollup_commit":
        assert rollup_orphans(lake), "rollup files were written (else this proves nothing)"

    rerun = cli_ingest(lake, b)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 new rows" in rerun.stdout and "rollups of 3 days refreshed" in rerun.stdout
    assert stored_rollups(lake) == expected_rollups(lake) == expected_rollups(clean)
    assert stored_rollups(lake) == stored_rollups(clean)
    for name in TABLES:
        assert rollup_of(lake, name) == raw_snapshot(lake)
    assert rollup_orphans(lake) == []
    # A further rerun has nothing left to do.
    counts = [rollup_snapshots(lake, n) for n in TABLES]
    assert cli_ingest(lake, b).returncode == 0
    assert [rollup_snapshots(lake, n) for n in TABLES] == counts


def test_compact_keeps_the_rollups_equal_and_expires_their_snapshots(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    from bedrock_logbook.ingest.compact import compact
    from bedrock_logbook.lake.location import resolve

    a, b, _, _ = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a)
    ingest(lake, b)  # 2026-11-02 now has two small files: compact rewrites it
    raw_before = raw_snapshot(lake)
    with LakeLock(lake):
        summary = compact(resolve(lake), retention=timedelta(0))
    assert summary.snapshot_id is not None and raw_snapshot(lake) != raw_before
    assert summary.partitions >= 1 and summary.rollup_days >= 1
    assert stored_rollups(lake) == expected_rollups(lake)
    for name in TABLES:
        assert rollup_of(lake, name) == raw_snapshot(lake)
        # Retention 0: the current rollup snapshot and its parent are all that is left.
        assert rollup_snapshots(lake, name) == 2
    assert rollup_orphans(lake) == []
    # Compact again: no raw file changes (at most an empty clean-reset snapshot, which the
    # rollups follow without rewriting a day).
    files = {n: rollup_days(lake, n) for n in TABLES}
    with LakeLock(lake):
        again = compact(resolve(lake), retention=timedelta(0))
    assert again.rollup_days == 0 and again.files_rewritten == 0
    assert {n: rollup_days(lake, n) for n in TABLES} == files
    for name in TABLES:
        assert rollup_of(lake, name) == raw_snapshot(lake)


def test_a_raw_table_holding_a_request_id_twice_is_rolled_up_by_the_readers_rule(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    """Another writer (no dedupe, no properties) appends copies of stored request IDs on a
    later day: the readers count each request once, and so must the rollups."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from bedrock_logbook.ingest.rollup_tables import refresh_rollups
    from bedrock_logbook.ingest.table import append
    from bedrock_logbook.lake.catalog import load_table
    from bedrock_logbook.lake.location import resolve
    from bedrock_logbook.lake.reading import table_needs_dedupe
    from tests.core.rollup_lake import raw_rows

    a, _, _, _ = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a)
    rows = raw_rows(lake).slice(0, 30)
    later = pc.add(rows.column("ts"), pa.scalar(timedelta(days=3)))
    copies = rows.set_column(rows.schema.get_field_index("ts"), rows.schema.field("ts"), later)
    table = load_table(resolve(lake))
    assert table is not None
    append(table, copies)  # lands on 2026-11-04/05, which only copies populate
    assert table.current_snapshot() is not None
    assert table_needs_dedupe(table)
    done = refresh_rollups(resolve(lake), table, "test-run")
    assert done.commits == len(TABLES)  # one overwrite per derived table
    assert stored_rollups(lake) == expected_rollups(lake)
    hourly = stored_rollups(lake)[ROLLUP_HOURLY_TABLE]
    assert sum(dict(r)["requests"] for r in hourly) == 400  # each request once


def test_one_more_per_day_table_built_from_raw_rows_is_one_entry(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]]) -> None:
    """What the prompt_pairs_daily entry will be: a name, a schema and a builder from the
    day's deduplicated raw rows. Here: requests per day x model, counted in the test from
    the raw rows independently, kept equal through a second ingest, a rerun and compact."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from bedrock_logbook.ingest.compact import compact
    from bedrock_logbook.ingest.rollup_tables import (
        DERIVED_TABLES,
        DerivedTable,
        load_rollup_tables,
        refresh_rollups,
    )
    from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
    from bedrock_logbook.lake.catalog import load_table
    from bedrock_logbook.lake.location import resolve
    from tests.core.rollup_lake import raw_rows

    schema = pa.schema([pa.field("day", pa.date32(), nullable=False),
                        pa.field("model", pa.string()),
                        pa.field("requests", pa.int64(), nullable=False)])

    def per_model(raw: pa.Table) -> pa.Table:
        assert raw.column_names == INVOCATIONS_SCHEMA.names  # the raw schema, as documented
        days = pc.cast(raw.column("ts"), pa.date32())
        counted = pa.table({"day": days, "model": raw.column("model")}).group_by(
            ["day", "model"]).aggregate([([], "count_all")])
        return pa.table({"day": counted.column("day"), "model": counted.column("model"),
                         "requests": counted.column("count_all")}, schema=schema)

    extra = DerivedTable("test_requests_by_model", schema, "raw", per_model)
    entries = (*DERIVED_TABLES, extra)

    def expected(lake: Path) -> list[tuple[object, ...]]:
        counts: dict[tuple[object, ...], int] = {}
        for row in raw_rows(lake).to_pylist():
            key = (row["ts"].date(), row["model"])
            counts[key] = counts.get(key, 0) + 1
        return sorted(((d, m, n) for (d, m), n in counts.items()), key=repr)

    def stored(lake: Path) -> list[tuple[object, ...]]:
        rows = rollup_table(lake, extra.name).scan().to_arrow().to_pylist()
        return sorted(((r["day"], r["model"], r["requests"]) for r in rows), key=repr)

    a, b, _, _ = two_batches
    lake = tmp_path / "lake"
    ingest(lake, a)
    raw = load_table(resolve(lake))
    assert raw is not None
    done = refresh_rollups(resolve(lake), raw, "extra-1", entries=entries)
    assert done.commits == 1  # only the new table was behind
    assert stored(lake) == expected(lake) and sum(n for *_, n in stored(lake)) == 400
    ingest(lake, b)  # the extra table is not in DERIVED_TABLES: behind now
    raw = load_table(resolve(lake))
    assert raw is not None
    assert stored(lake) != expected(lake)
    done = refresh_rollups(resolve(lake), raw, "extra-2", entries=entries)
    assert done.commits == 1 and len(done.days) == 3  # only the days b touched
    assert stored(lake) == expected(lake) and sum(n for *_, n in stored(lake)) == 700
    assert refresh_rollups(resolve(lake), raw, "extra-3", entries=entries).commits == 0
    assert extra.name in {t.name()[-1] for t in load_rollup_tables(resolve(lake),
                                                                    tables=entries)}
    with LakeLock(lake):
        compact(resolve(lake), retention=timedelta(0))
    raw = load_table(resolve(lake))
    assert raw is not None
    refresh_rollups(resolve(lake), raw, "extra-4", entries=entries)
    assert stored(lake) == expected(lake)


def test_the_writer_maintains_exactly_the_tables_readers_plan() -> None:
    # Two lists name the derived tables (queries may not import ingest): they must agree,
    # and with the tables this file checks (TABLES: every kill point, every equality).
    from bedrock_logbook.ingest import rollup_tables
    from bedrock_logbook.lake import location

    assert tuple(t.name for t in rollup_tables.DERIVED_TABLES) == location.DERIVED_TABLES
    assert TABLES == location.DERIVED_TABLES


def test_reads_that_run_out_of_duckdb_memory_run_again_without_a_limit(
        tmp_path: Path, two_batches: tuple[Path, Path, set[str], set[str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The refresh's reads are held to DUCKDB_MEMORY_LIMIT (DuckDB spills past it into a
    temp folder of the reader's own); a read that still runs out of memory runs again
    without a limit. At 1 KB every read runs out: the rollups are still the expected ones,
    and the temp folder is gone afterwards."""
    import tempfile

    import duckdb

    from bedrock_logbook.ingest import rollup, rollup_tables

    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        path: str = mkdtemp(*args, **kwargs)
        made.append(path)
        return path

    limits: list[str | None] = []  # each connection's memory limit, None: unlimited

    def noting_connect(config: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
        limits.append(config.get("memory_limit") if config else None)
        return rollup.connect(config)

    monkeypatch.setattr(rollup_tables, "DUCKDB_MEMORY_LIMIT", "1KB")
    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    monkeypatch.setattr(rollup_tables, "connect", noting_connect)
    a, _, days_a, _ = two_batches
    lake = tmp_path / "lake"
    summary = ingest(lake, a)  # one worker: the refresh runs in this process
    assert summary.rollup_days == 2
    assert stored_rollups(lake) == expected_rollups(lake)
    # Every read ran out at 1 KB, then ran again unlimited: as many of each.
    limited = [x for x in limits if x is not None]
    assert limited and set(limited) == {"1KB"}
    assert limits.count(None) == len(limited)
    spill = [p for p in made if Path(p).name.startswith("bedrock-logbook-duckdb-")]
    assert len(spill) == 1 and not Path(spill[0]).exists()
