"""Readers over the Iceberg table: the reader rule (``needs_dedupe``) by hand, and DuckDB's views
over tables written with ``ingest.table.append``: a clean table read plainly, a dirty one
(two writers raced) counting each request_id once, re-planning, an old hive lake, the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.table import open_table
from bedrock_logbook.lake.location import TableError, resolve
from bedrock_logbook.lake.reading import (
    DEDUPED_AGAINST_PROPERTY,
    OPERATION_PROPERTY,
    SnapshotFacts,
    needs_dedupe,
    table_needs_dedupe,
)
from tests.lake_fixtures import invocation_table, write_invocations

ROOT = Path(__file__).resolve().parents[1]
H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"


def snap(snapshot_id: int, parent: int | None, operation: str | None = "ingest",
         against: str | None = "parent") -> SnapshotFacts:
    """A snapshot as our writers describe it; ``against`` 'parent' means deduped against its
    parent (``none`` for a root), None means the property is missing."""
    props: dict[str, str] = {"operation": "append"}  # pyiceberg's own summary key
    if operation is not None:
        props[OPERATION_PROPERTY] = operation
    if against == "parent":
        against = "none" if parent is None else str(parent)
    if against is not None:
        props[DEDUPED_AGAINST_PROPERTY] = against
    return SnapshotFacts(snapshot_id, parent, props)


def table_of(*snapshots: SnapshotFacts) -> dict[int, SnapshotFacts]:
    return {s.snapshot_id: s for s in snapshots}


# -- the reader rule, case by case (expected values reasoned in each comment) --------------

def test_no_snapshot_is_clean() -> None:
    assert needs_dedupe(None, {}) is False  # an empty table holds nothing twice


def test_root_deduped_against_nothing_is_clean() -> None:
    assert needs_dedupe(1, table_of(snap(1, None))) is False


def test_chain_of_clean_ingests_is_clean() -> None:
    assert needs_dedupe(3, table_of(snap(1, None), snap(2, 1), snap(3, 2))) is False


def test_a_writer_that_lost_a_race_makes_it_dirty() -> None:
    # 3 checked its request IDs against 1, but 2 was committed in between (pyiceberg retried
    # 3 on top of 2): 2 and 3 may share a request_id.
    assert needs_dedupe(3, table_of(snap(1, None), snap(2, 1), snap(3, 2, against="1"))) is True


def test_a_race_further_down_the_chain_still_counts() -> None:
    snaps = table_of(snap(1, None), snap(2, 1), snap(3, 2, against="1"), snap(4, 3), snap(5, 4))
    assert needs_dedupe(5, snaps) is True


def test_a_first_writer_that_raced_another_first_writer_is_dirty() -> None:
    # 2 saw an empty table (against 'none') but landed on top of 1.
    assert needs_dedupe(2, table_of(snap(1, None), snap(2, 1, against="none"))) is True


def test_a_root_that_claims_a_parent_it_lacks_is_dirty() -> None:
    assert needs_dedupe(1, table_of(snap(1, None, against="7"))) is True


def test_foreign_snapshot_without_our_properties_is_dirty() -> None:
    # e.g. an INSERT from Spark or Athena: nobody checked its request IDs.
    foreign = snap(2, 1, operation=None, against=None)
    assert needs_dedupe(3, table_of(snap(1, None), foreign, snap(3, 2))) is True
    half = snap(2, 1, operation="ingest", against=None)
    assert needs_dedupe(2, table_of(snap(1, None), half)) is True


def test_clean_compact_resets_whatever_lies_below() -> None:
    # Below the compact: a race (2) and a foreign snapshot (3); the compact (4) was deduped
    # against its own parent, so as of 4 no request_id occurs twice; 5 is a clean ingest.
    snaps = table_of(snap(1, None), snap(2, 1, against="none"),
                     snap(3, 2, operation=None, against=None), snap(4, 3, operation="compact"),
                     snap(5, 4))
    assert needs_dedupe(5, snaps) is False
    assert needs_dedupe(4, snaps) is False
    assert needs_dedupe(3, snaps) is True  # reading an older snapshot: still dirty


def test_a_race_above_a_clean_compact_is_dirty() -> None:
    snaps = table_of(snap(1, None), snap(2, 1, operation="compact"), snap(3, 2),
                     snap(4, 3, against="2"))
    assert needs_dedupe(4, snaps) is True


def test_a_compact_that_raced_is_no_reset() -> None:
    # The compact deduped against 1, but an ingest (2) landed first: 2's rows were not
    # checked against the compacted ones.
    snaps = table_of(snap(1, None), snap(2, 1), snap(3, 2, operation="compact", against="1"))
    assert needs_dedupe(3, snaps) is True


def test_expired_parent_before_a_reset_is_dirty() -> None:
    # 4's parent 3 was expired: what lay below can no longer be checked.
    assert needs_dedupe(5, table_of(snap(4, 3), snap(5, 4))) is True


def test_expired_history_below_a_clean_compact_is_clean() -> None:
    assert needs_dedupe(5, table_of(snap(4, 3, operation="compact"), snap(5, 4))) is False


def test_a_current_snapshot_missing_from_the_table_is_dirty() -> None:
    assert needs_dedupe(9, table_of(snap(1, None))) is True


# -- DuckDB over real tables --------------------------------------------------------------

def _row(request_id: str, ts: str = "2025-03-01T10:00:00Z", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"request_id": request_id, "ts": ts, "model": H35, "model_id": H35,
                           "region": "us-east-1", "input_tokens": 100, "output_tokens": 10,
                           "source": "s3://logs/a.json.gz", "source_line": 1}
    row.update(extra)
    return row


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _windowed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether counting raw_invocations runs a window (row_number) over the files."""
    plan = "\n".join(str(r[1]) for r in con.execute(
        "EXPLAIN SELECT count(*) FROM raw_invocations").fetchall())
    return re.search(r"─ Window ─", plan) is not None


def test_clean_table_is_read_plainly(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b")])
    write_invocations(lake, [_row("c", ts="2025-03-02T10:00:00Z")])
    assert table_needs_dedupe(open_table(resolve(lake))) is False
    con = queries.connect(lake)
    assert _count(con, "SELECT count(*) FROM raw_invocations") == 3
    assert not _windowed(con)  # the fast path: no row_number over the lake


def test_dirty_table_counts_a_shared_request_id_once(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = write_invocations(lake, [_row("a"), _row("b")])
    # A second writer checked against the empty table (deduped_against none) and landed on
    # top of the first: both stored "b" (its copy read from another object, a minute later).
    write_invocations(lake, [_row("b", ts="2025-03-01T10:01:00Z", source="s3://logs/b.json.gz"),
                             _row("c")], deduped_against=None)
    table = open_table(resolve(lake))
    assert first is not None and table_needs_dedupe(table) is True
    assert sum(len(pq.read_table(f.removeprefix("file://")))
               for f in _files(table)) == 4  # the files do hold "b" twice
    con = queries.connect(lake)
    assert _count(con, "SELECT count(*) FROM raw_invocations") == 3
    assert _windowed(con)
    assert con.execute("SELECT request_id, ts, source FROM raw_invocations "
                       "WHERE request_id = 'b'").fetchall() == [
        ("b", _count(con, "SELECT TIMESTAMPTZ '2025-03-01 10:00:00+00'"), "s3://logs/a.json.gz")]
    assert _count(con, "SELECT requests FROM summary_overview") == 3
    assert _count(con, "SELECT sum(input_tokens) FROM invocations") == 300


def _files(table: Any) -> list[str]:
    from bedrock_logbook.lake.reading import data_files

    return data_files(table)


def test_same_duplicate_in_a_clean_table_is_not_hidden(tmp_path: Path) -> None:
    """The contrast that shows the dirty test means something: when every snapshot claims
    it was deduped against its parent, the view trusts it and reads plainly."""
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b")])
    write_invocations(lake, [_row("b", ts="2025-03-01T10:01:00Z"), _row("c")])
    assert _count(queries.connect(lake), "SELECT count(*) FROM raw_invocations") == 4


def test_refresh_replans_an_open_connection(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a")])
    con = queries.connect(lake)
    state = queries.refresh(con)
    assert queries.refresh(con) == state  # nothing changed
    write_invocations(lake, [_row("b")], deduped_against=None)  # a racing writer: dirty
    write_invocations(lake, [_row("a", ts="2025-03-01T11:00:00Z")])
    assert _count(con, "SELECT count(*) FROM raw_invocations") == 1  # still the old plan
    assert queries.refresh(con) != state
    assert _count(con, "SELECT count(*) FROM raw_invocations") == 2  # a, b; a once
    assert _windowed(con)


def test_refresh_prices_keys_new_since_the_connection(tmp_path: Path) -> None:
    """The rates are computed once per connection for the keys the lake holds then
    (lake_rates); a model first seen after connect is priced once refresh re-plans."""
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a")])
    user = tmp_path / "p.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        "source\nacme.new-v1,,,,input,2025-01-01,2,deal\nacme.new-v1,,,,output,2025-01-01,3,"
        "deal\n", encoding="utf-8")
    con = queries.connect(lake, prices=user)
    write_invocations(lake, [_row("b", model="acme.new-v1", model_id="acme.new-v1")])
    queries.refresh(con)
    got = dict(con.execute("SELECT request_id, cost_usd FROM invocations").fetchall())
    # 100 input and 10 output tokens: H35 at $0.80/$4.00, acme.new-v1 at $2/$3 per million
    assert got == {"a": pytest.approx((100 * 0.80 + 10 * 4.00) / 1e6),
                   "b": pytest.approx((100 * 2 + 10 * 3) / 1e6)}


def test_utc_date_comes_from_ts(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("late", ts="2025-03-01T23:59:59Z"),
                             _row("early", ts="2025-03-02T00:00:00Z")])
    con = queries.connect(lake)
    con.execute("SET TimeZone = 'Asia/Tokyo'")  # +9: both would fall on March 2 there
    assert con.execute("SELECT request_id, CAST(date AS VARCHAR) FROM raw_invocations "
                       "ORDER BY ts").fetchall() == [("late", "2025-03-01"),
                                                     ("early", "2025-03-02")]
    names = [r[0] for r in con.execute("DESCRIBE raw_invocations").fetchall()]
    assert "ts_day" not in names and names[-1] == "date"  # no hive column from the folders


def _hive_lake(lake: Path) -> None:
    folder = lake / "invocations" / "date=2025-03-01"
    folder.mkdir(parents=True)
    pq.write_table(invocation_table([_row("a")]), folder / "part-0000.parquet")


def test_hive_lake_without_a_table_says_run_migrate(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    _hive_lake(lake)
    with pytest.raises(TableError, match="bedrock-logbook migrate --lake"):
        queries.connect(lake)
    done = _cli("sql", "SELECT count(*) FROM raw_invocations", "--lake", str(lake))
    assert done.returncode == 3, done.stderr
    assert "bedrock-logbook migrate --lake" in done.stderr and len(done.stderr.splitlines()) == 1


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_LOGBOOK_")}
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_sql_prints_the_table_rows(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row(f"r{i}") for i in range(7)])
    done = _cli("sql", "SELECT count(*) AS n FROM raw_invocations", "--lake", str(lake),
                "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "7"]


def test_missing_lake_says_what_to_set(tmp_path: Path) -> None:
    done = _cli("sql", "SELECT 1", "--lake", str(tmp_path / "nowhere"))
    assert done.returncode == 3
    assert "BEDROCK_LOGBOOK_LAKE" in done.stderr and len(done.stderr.splitlines()) == 1


# Not 'lake?': pyiceberg's local file IO takes a '?' in a file:// path for a query string and
# writes the table into the sibling folder 'lake' (reported to the writer side).
@pytest.mark.parametrize("name", ["lake[1]", "lake*", "la[k]e"])
def test_lake_with_glob_characters_reads_only_its_own_files(tmp_path: Path, name: str) -> None:
    # Siblings each glob pattern would match if the planned paths were globbed unescaped.
    for sibling in ("lake1", "lakeX", "lake"):
        write_invocations(tmp_path / sibling, [_row(f"{sibling}-{i}") for i in range(5)])
    lake = tmp_path / name
    write_invocations(lake, [_row("mine")])
    con = queries.connect(lake)
    assert con.execute("SELECT request_id FROM raw_invocations").fetchall() == [("mine",)]


def test_a_migrated_hive_lake_reads_its_files_in_place(tmp_path: Path) -> None:
    from bedrock_logbook.ingest.migrate import migrate

    lake = tmp_path / "lake"
    _hive_lake(lake)  # request "a" on 2025-03-01, in invocations/date=2025-03-01/
    migrate(resolve(lake))
    write_invocations(lake, [_row("b", ts="2025-03-02T10:00:00Z")])
    con = queries.connect(lake)
    assert con.execute("SELECT request_id, CAST(date AS VARCHAR) FROM raw_invocations "
                       "ORDER BY request_id").fetchall() == [("a", "2025-03-01"),
                                                             ("b", "2025-03-02")]


def test_dashboard_replans_after_a_new_snapshot(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from bedrock_logbook.dashboard import data
    from bedrock_logbook.queries.panels import Filters

    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b")])
    where = data.Lake(str(lake))

    def requests() -> int:
        return int(data.load(where, "overview_kpis", Filters())[1].iloc[0]["requests"])

    assert requests() == 2
    write_invocations(lake, [_row("c")])
    assert requests() == 2  # within STATE_SECONDS of the last look: the cached answer
    monkeypatch.setattr(data, "STATE_SECONDS", 0.0)
    assert requests() == 3  # the next look sees the new snapshot and re-plans
    write_invocations(lake, [_row("d")])
    monkeypatch.setattr(data, "STATE_SECONDS", 3600.0)
    data.clear_cache()  # "Reload data" looks again at once
    assert requests() == 4


# -- whether the files may differ in columns (lake.reading.DataFiles.mixed_columns) -----------

def test_files_of_one_schema_are_read_without_matching_by_name(tmp_path: Path) -> None:
    """Two ingests write files of the same columns: the plan says so, and the views read them
    with union_by_name off (the first file's schema, cheaper to bind on every query)."""
    from bedrock_logbook.lake.reading import planned_files

    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b")])
    write_invocations(lake, [_row("c", first_byte_ms=5)])
    planned = planned_files(open_table(resolve(lake)))
    assert len(planned.files) == 2 and planned.mixed_columns is False
    con = queries.connect(lake)
    assert _count(con, "SELECT logbook_mixed_columns()") is False
    assert con.execute("SELECT request_id, first_byte_ms FROM raw_invocations "
                       "ORDER BY 1").fetchall() == [("a", None), ("b", None), ("c", 5)]


def test_a_migrated_file_without_later_columns_is_read_by_name(tmp_path: Path) -> None:
    """A hive file of an older lake version lacks columns the table has since gained. Its
    path sorts after the newer file's (invocations/date=... > invocations/data/...), so
    reading the first file's schema for both would fail: the plan must say 'mixed'."""
    from bedrock_logbook.ingest.migrate import migrate
    from bedrock_logbook.lake.reading import planned_files

    lake = tmp_path / "lake"
    folder = lake / "invocations" / "date=2025-03-01"
    folder.mkdir(parents=True)
    old = invocation_table([_row("a")]).drop_columns(["first_byte_ms", "prompt_fp"])
    pq.write_table(old, folder / "part-0000.parquet")
    migrate(resolve(lake))
    write_invocations(lake, [_row("b", ts="2025-03-02T10:00:00Z", first_byte_ms=7)])
    planned = planned_files(open_table(resolve(lake)))
    assert planned.mixed_columns is True
    assert [f.rsplit("/invocations/", 1)[1][:5] for f in planned.files] == ["data/", "date="]
    con = queries.connect(lake)
    assert con.execute("SELECT request_id, first_byte_ms, prompt_fp FROM raw_invocations "
                       "ORDER BY 1").fetchall() == [("a", None, None), ("b", 7, None)]
    # The contrast: the same files read by the first file's schema are refused.
    paths = [f.removeprefix("file://") for f in planned.files]
    with pytest.raises(duckdb.Error, match="schema mismatch|union_by_name"):
        duckdb.connect().execute("SELECT * FROM read_parquet(?, union_by_name = false)",
                                 [paths]).fetchall()


def test_raw_files_between_skips_files_with_no_row_in_the_range(tmp_path: Path) -> None:
    """Each file's oldest and newest ts come from its manifest bounds (the rows written to
    it); raw_files_between keeps, in order, the files that may hold a row in [since, until)."""
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a", ts="2025-03-01T10:00:00Z"),
                             _row("b", ts="2025-03-01T23:00:00Z")])
    write_invocations(lake, [_row("c", ts="2025-03-03T08:00:00Z")])
    con = queries.connect(lake)
    files = con.execute("SELECT logbook_files()").fetchall()[0][0]
    oldest = con.execute("SELECT logbook_files_oldest_ts()").fetchall()[0][0]
    newest = con.execute("SELECT logbook_files_newest_ts()").fetchall()[0][0]
    # 2025-03-01T10:00Z, 23:00Z and 2025-03-03T08:00Z in microseconds since the epoch
    spans = dict(zip(files, zip(oldest, newest, strict=True), strict=True))
    assert sorted(spans.values()) == [(1740823200 * 10**6, 1740870000 * 10**6),
                                      (1740988800 * 10**6, 1740988800 * 10**6)]
    older_file = min(spans, key=lambda f: spans[f])
    newer_file = max(spans, key=lambda f: spans[f])

    def between(since: str | None, until: str | None = None) -> list[str]:
        return list(con.execute(
            "SELECT raw_files_between(CAST($s AS TIMESTAMPTZ), CAST($u AS TIMESTAMPTZ))",
            {"s": since, "u": until}).fetchall()[0][0])

    assert between("2025-03-01T00:00:00Z") == files
    assert between("2025-03-01T23:00:00Z") == files  # a row exactly at `since` is kept
    assert between("2025-03-01T23:00:01Z") == [newer_file]
    assert between("2025-03-03T08:00:01Z") == []
    assert between(None) == [] and between(None, "2025-03-02T00:00:00Z") == []
    assert between("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z") == [older_file]
    assert between("2025-03-01T00:00:00Z", "2025-03-01T10:00:00Z") == []  # until excluded
    assert between("2025-03-01T00:00:00Z", "2025-03-01T10:00:01Z") == [older_file]
    assert _count(con, "SELECT count(*) FROM raw_invocations_of(raw_files_between("
                       "TIMESTAMPTZ '2025-03-02 00:00:00+00', NULL))") == 1
    empty = queries.connect(tmp_path / "none")
    assert _count(empty, "SELECT count(*) FROM raw_invocations_of("
                         "raw_files_between(now(), NULL))") == 0
