"""Issue 12: the Spend page's tag panels (tag_keys, cost_by_metadata, spend_shares_daily) read
the tag rollup (rollup_tags_daily, ingest/tag_rollup.py) instead of raw rows, and give the
numbers the raw rows give: on random filters, a filter that selects nothing, after a user
price file, and while the table is behind or absent (the live view then rolls up raw rows).

The reference for each panel is its SQL as it read the raw views before the change, frozen
in tests/fixtures/raw_panels/scanned/ (not the code under test). The lake holds the sample
generator's requests (tags on most apps, several keys per request, untagged ones, unpriced
models, cache tokens, errors); its tag table is written by tests/tag_rollup_lake.py from the
raw table read with pyiceberg.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.rollup_schema import PROMPT_BANDS
from bedrock_logbook.ingest.tag_rollup import TAG_ROLLUP_SCHEMA
from bedrock_logbook.queries import panels
from bedrock_logbook.queries.catalog import sql_text
from bedrock_logbook.queries.panels import Filters
from tests.rollup_lake import ensure_rollups
from tests.tag_rollup_lake import tag_rollup_of, write_tag_rollup
from tests.test_raw_panels_rollup import (
    SCANNED,
    _frame,
    _random_filters,
    _raw,
    _repriced,
    _same,
    _write_raw,
    assert_matches,
)

TAG_PANELS = ("tag_keys", "cost_by_metadata", "spend_shares_daily")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tag-rollup-lake")
    _write_raw(folder, _raw())
    assert ensure_rollups(folder)
    write_tag_rollup(folder)
    return folder


@pytest.fixture(scope="module")
def con(lake: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = queries.connect(lake)
    yield connection
    connection.close()


def _frozen(name: str, filters: Filters) -> tuple[str, dict[str, Any]]:
    """The panel's frozen raw SQL with the filters applied (both markers: the untagged spend
    read raw rows beside the daily rollup's totals)."""
    text = (SCANNED / f"{name}.sql").read_text(encoding="utf-8")
    params: dict[str, Any] = {}
    for marker, rollup in ((panels.FILTER_MARKER, False), (panels.ROLLUP_FILTER_MARKER, True)):
        if marker in text:
            predicate, used = panels.filter_predicate(filters, rollup=rollup)
            text = text.replace(marker, predicate)
            params.update(used)
    return text, params


def _by_tag(sql: str) -> str:
    return f"SELECT * FROM ({sql}) ORDER BY metadata_key, metadata_value"  # noqa: S608


def _check_panels(con: duckdb.DuckDBPyConnection, seed: int, count: int = 10) -> int:
    rows = 0
    for filters in _random_filters(con, random.Random(seed), count):
        for name in TAG_PANELS:
            if name != "cost_by_metadata":
                rows += assert_matches(con, name, filters, _frozen(name, filters))
                continue
            # Tags worn by the same requests (app, environment, team here) cost the same
            # up to the order floating sums are taken in, on either side: compare the rows
            # by tag, then check the panel's order (costliest first) within that rounding.
            # Fewer than 100 tags, so LIMIT 100 cuts nothing.
            text, params = _frozen(name, filters)
            got = panels.build(name, filters)
            mine = _frame(con, _by_tag(got.sql), dict(got.params))
            expected = _frame(con, _by_tag(text), params)
            assert [list(r) for r in mine[:1]] == [list(r) for r in expected[:1]]
            assert len(mine) == len(expected) < 100, filters
            for i, (g, e) in enumerate(zip(mine, expected, strict=True)):
                for column in e:
                    _same(g[column], e[column], column, f"{name} row {i} {column} {filters}")
            rows += len(mine)
            costs = [c for (c,) in con.execute(
                f"SELECT cost_usd FROM ({got.sql})", dict(got.params)).fetchall()]  # noqa: S608
            known = [c for c in costs if c is not None]
            assert costs == known + [None] * (len(costs) - len(known))
            assert all(a >= b * (1 - 1e-9) for a, b in zip(known, known[1:], strict=False))
    return rows


def test_the_tag_table_is_current_and_holds_every_request(con: duckdb.DuckDBPyConnection
                                                          ) -> None:
    raw = _raw()
    counts = [len(m or ()) for m in raw.column("request_metadata").to_pylist()]
    assert con.execute("SELECT logbook_rollup_tags_daily_current()").fetchall() == [(True,)]
    got = con.execute("SELECT sum(requests) FILTER (WHERE tag_key IS NULL), "
                      "sum(requests) FILTER (WHERE tag_key IS NOT NULL) "
                      "FROM rollup_tags_daily").fetchone()
    # untagged requests once; every tag of every tagged request once
    assert got == (sum(1 for c in counts if c == 0), sum(counts))
    assert 0 < got[0] < raw.num_rows


def test_tag_panels_equal_the_raw_panels_on_random_filters(
        con: duckdb.DuckDBPyConnection) -> None:
    assert _check_panels(con, 61) > 0
    # the sample has several keys, unpriced tagged requests and untagged spend
    keys = panels.run(con, panels.build("tag_keys", Filters()))
    assert len(keys) >= 3
    tags = panels.run(con, panels.build("cost_by_metadata", Filters()))
    # tags of priced and partly priced requests, and tags no request of which is priced
    assert (tags["cost_usd"] > 0).any() and tags["cost_usd"].isna().any()
    assert ((tags["unpriced_requests"] > 0) & (tags["cost_usd"] > 0)).any()
    shares = panels.run(con, panels.build("spend_shares_daily", Filters()))
    assert ((shares["untagged_share"] > 0) & (shares["untagged_share"] < 1)).all()


def test_tag_panels_after_a_price_override(lake: Path, con: duckdb.DuckDBPyConnection,
                                           tmp_path: Path) -> None:
    repriced = _repriced(lake, con, tmp_path)
    before = con.execute("SELECT sum(cost_usd) FROM rollup_tags_cost").fetchone()
    after = repriced.execute("SELECT sum(cost_usd) FROM rollup_tags_cost").fetchone()
    assert before and after and before[0] != pytest.approx(after[0])
    assert _check_panels(repriced, 62, 6) > 0


def _same_rows(got: pa.Table, expected: pa.Table) -> None:
    """Equal as multisets, every column exact (the tag rollup has no floating column)."""
    check = duckdb.connect()
    check.register("got", got)
    check.register("expected", expected)
    assert got.column_names == expected.column_names
    diff = check.execute("SELECT count(*) FROM ((SELECT * FROM got EXCEPT ALL "
                         "SELECT * FROM expected) UNION ALL (SELECT * FROM expected "
                         "EXCEPT ALL SELECT * FROM got))").fetchone()
    assert diff == (0,)
    assert got.num_rows == expected.num_rows > 0


def test_behind_table_falls_back_to_the_raw_rows(tmp_path: Path) -> None:
    """The tag table reflects an older raw snapshot: the live view rolls up the raw rows
    (the builder's rows for the whole raw table) and the panels keep the raw numbers."""
    raw = _raw()
    lake = tmp_path / "lake"
    _write_raw(lake, raw.slice(0, 4000))
    ensure_rollups(lake)
    write_tag_rollup(lake)
    _write_raw(lake, raw.slice(4000))  # newer rows the tag table does not hold yet
    behind = queries.connect(lake)
    assert behind.execute("SELECT logbook_rollup_tags_daily_current()").fetchall() == [(False,)]
    live = behind.sql("SELECT * FROM rollup_tags_daily_live").to_arrow_table()
    _same_rows(live.cast(TAG_ROLLUP_SCHEMA), tag_rollup_of(raw))
    assert _check_panels(behind, 63, 5) > 0


def test_lake_without_the_tag_table(tmp_path: Path) -> None:
    """A lake written before the table: a typed, empty reader view; the live view and the
    panels from the raw rows."""
    lake = tmp_path / "lake"
    _write_raw(lake, _raw())
    ensure_rollups(lake)
    bare = queries.connect(lake)
    assert bare.execute("SELECT count(*) FROM rollup_tags_daily").fetchone() == (0,)
    described = bare.execute("DESCRIBE rollup_tags_daily").fetchall()
    assert [r[0] for r in described] == TAG_ROLLUP_SCHEMA.names
    assert [r[0] for r in bare.execute("DESCRIBE rollup_tags_daily_live").fetchall()] == \
        TAG_ROLLUP_SCHEMA.names
    assert _check_panels(bare, 64, 4) > 0


def test_current_table_is_read_not_the_raw_rows(tmp_path: Path) -> None:
    """When rollup_of names the raw snapshot, the panels serve the table's rows (here only
    one day's, to tell the two apart)."""
    raw = _raw()
    lake = tmp_path / "lake"
    _write_raw(lake, raw)
    ensure_rollups(lake)
    rows = tag_rollup_of(raw)
    one_day = rows.filter(pc.equal(rows.column("day"), rows.column("day")[0]))
    write_tag_rollup(lake, one_day)
    con = queries.connect(lake)
    keys = panels.run(con, panels.build("tag_keys", Filters()))
    expected = one_day.filter(pc.is_valid(one_day.column("tag_key")))
    assert int(keys["requests"].sum()) == pc.sum(expected.column("requests")).as_py()
    assert pc.sum(expected.column("requests")).as_py() < pc.sum(
        rows.filter(pc.is_valid(rows.column("tag_key"))).column("requests")).as_py()


def test_live_view_uses_the_builders_prompt_bands() -> None:
    text = sql_text("rollup_tags_daily_live")
    assert "[" + ", ".join(str(b) for b in PROMPT_BANDS) + "]" in text
