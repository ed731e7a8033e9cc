"""The queries package's API: empty lakes, the persisted database, price overrides, catalog."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from bedrock_logbook import queries
from bedrock_logbook.queries.catalog import (
    CatalogError,
    dependency_order,
    parse_header,
    sql_objects,
)
from bedrock_logbook.queries.prices import PriceFileError, load_prices
from tests.lake_fixtures import write_invocations

H35 = "anthropic.claude-3-5-haiku-20241022-v1:0"
# Views with rows on an empty lake (staleness: one row per rollup table).
ROWS_ON_EMPTY = {"summary_overview": 1, "freshness": 1, "rollup_staleness": 6}  # 6 derived tables


def _row(request_id: str = "x1", **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "request_id": request_id, "ts": "2025-02-01T00:00:00Z", "model": H35,
        "model_id": "us." + H35, "profile_scope": "us", "region": "us-east-2",
        "inference_region": "us-east-2", "requested_latency": "standard",
        "served_latency": "standard", "input_tokens": 1_000_000, "output_tokens": 1_000_000,
        "latency_ms": 1000,
    }
    row.update(extra)
    return row


@pytest.mark.parametrize("make", ["missing", "empty_dir", "empty_subdirs"])
def test_every_view_answers_on_an_empty_or_missing_lake(tmp_path: Path, make: str) -> None:
    lake = tmp_path / "lake"
    if make != "missing":
        lake.mkdir()
    if make == "empty_subdirs":
        for sub in ("invocations", "quarantine", "_runs"):
            (lake / sub).mkdir()
    con = queries.connect(lake)
    for view in queries.list_views():
        (count,) = con.execute(f"SELECT count(*) FROM {view.name}").fetchone() or (None,)
        expected = ROWS_ON_EMPTY.get(view.name, 0)
        if view.name == "prices":
            assert count and count > 0
        else:
            assert count == expected, view.name
    assert not lake.exists() if make == "missing" else True  # the lake is only read
    summary = con.execute("SELECT requests, cost_usd FROM summary_overview").fetchall()
    assert summary == [(0, None)]  # nothing priced: cost unknown, not $0


def test_connect_does_not_write_into_the_lake(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row()])
    before = sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*"))
    con = queries.connect(lake)
    con.execute("SELECT requests FROM summary_overview").fetchall()
    con.close()
    assert sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*")) == before


def test_persisted_database_opens_read_only_and_freezes_the_file_list(tmp_path: Path) -> None:
    lake = tmp_path / "it's a lake"  # a quote and a space in the path must survive
    write_invocations(lake, [_row("a")])
    db = lake / "logbook.duckdb"
    queries.write_database(lake, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT requests FROM summary_overview").fetchall() == [(1,)]
        names = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() "
                                           "WHERE NOT internal").fetchall()}
        assert {v.name for v in queries.list_views()} <= names
    # A later ingest: the file still opens with no setup and reads the snapshot it was
    # written for (documented: rerun `duckdb-file` after each ingest) ...
    write_invocations(lake, [_row("b", ts="2025-02-02T00:00:00Z")])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT requests FROM summary_overview").fetchall() == [(1,)]
    # ... and writing it again shows the new rows.
    queries.write_database(lake, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT requests FROM summary_overview").fetchall() == [(2,)]
    assert not list(lake.glob(".logbook.duckdb*"))  # no temp file left behind


def test_persisted_database_of_an_empty_lake_has_typed_empty_views(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    db = tmp_path / "out" / "logbook.duckdb"
    queries.write_database(lake, db)
    assert not lake.exists()  # only read
    write_invocations(lake, [_row("a")])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM invocations").fetchall() == [(0,)]
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'raw_invocations'").fetchall())
    assert (types["ts"], types["date"], types["request_metadata"]) == (
        "TIMESTAMP WITH TIME ZONE", "DATE", "MAP(VARCHAR, VARCHAR)")


def test_user_price_file_overrides_and_extends_shipped_prices(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b", model="acme.new-model-v1", model_id="acme")])
    shipped = queries.connect(lake)
    got = dict(shipped.execute("SELECT request_id, cost_usd FROM invocations").fetchall())
    assert got == {"a": pytest.approx(0.80 + 4.00), "b": None}  # 1M tokens each way
    user = tmp_path / "negotiated.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        "source\n"
        # same key as the shipped row: replaces it
        f"{H35},standard,*,*,input,2024-12-02,0.50,contract 42\n"
        # a new model, any mode (empty = any)
        "acme.new-model-v1,,,,input,2025-01-01,2,contract 43\n"
        "acme.new-model-v1,,,,output,2025-01-01,3,contract 43\n",
        encoding="utf-8",
    )
    con = queries.connect(lake, prices=user)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT request_id, cost_usd, price_source FROM invocations").fetchall()}
    assert rows["a"][0] == pytest.approx(0.50 + 4.00)
    assert rows["b"][0] == pytest.approx(2 + 3)
    assert rows["b"][1].endswith("contract 43")


def test_region_specific_price_beats_a_general_one(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("a"), _row("b", region="us-west-2")])
    user = tmp_path / "p.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        f"source\n{H35},standard,*,us-east-2,input,2024-01-01,9,ohio deal\n",
        encoding="utf-8",
    )
    con = queries.connect(lake, prices=user)
    got = dict(con.execute("SELECT request_id, cost_usd FROM invocations").fetchall())
    assert got == {"a": pytest.approx(9 + 4.00), "b": pytest.approx(0.80 + 4.00)}


def test_price_before_any_effective_date_is_unpriced_not_zero(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [_row("old", ts="2024-01-01T00:00:00Z", model="acme.m-v1")])
    user = tmp_path / "p.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        "source\nacme.m-v1,,,,input,2025-01-01,1,q\nacme.m-v1,,,,output,2025-01-01,1,q\n",
        encoding="utf-8")
    con = queries.connect(lake, prices=user)
    assert con.execute("SELECT cost_usd, priced FROM invocations").fetchall() == [(None, False)]


@pytest.mark.parametrize("bad, message", [
    ("m,standard,*,*,tokens,2024-01-01,1,s", "token_class"),
    ("m,fast,*,*,input,2024-01-01,1,s", "latency_mode"),
    ("m,standard,*,*,input,01/02/2024,1,s", "effective_from"),
    ("m,standard,*,*,input,2024-01-01,cheap,s", "usd_per_million"),
])
def test_bad_user_price_rows_are_named(tmp_path: Path, bad: str, message: str) -> None:
    user = tmp_path / "p.csv"
    user.write_text(
        "model,latency_mode,profile_scope,region,token_class,effective_from,usd_per_million,"
        f"source\n{bad}\n", encoding="utf-8")
    with pytest.raises(PriceFileError, match=f"p.csv:2: {message}"):
        load_prices(user)


def test_missing_user_price_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="BEDROCK_LOGBOOK_PRICES"):
        queries.connect(tmp_path, prices=tmp_path / "nope.csv")


def test_shipped_prices_name_a_source_for_every_row() -> None:
    rows = load_prices(None)
    assert rows and all(r.source and r.source != "shipped" for r in rows)
    assert len({r.key for r in rows}) == len(rows)


def test_view_headers_declare_what_the_sql_reads() -> None:
    names = {o.name for o in sql_objects()}
    for obj in sql_objects():
        body = "\n".join(line.split("--")[0] for line in obj.text.splitlines())
        # A table macro's constant argument naming a view reads it (rollup_cost('x') and
        # rate_tiers('x') read x with query_table).
        named = {n for n in re.findall(r"\b\w+\(\s*'(\w+)'", body) if n in names}
        # and query_table over a CASE reads each view it may name (the *_live switches)
        for call in re.findall(r"query_table\((CASE.*?END)\)", body, re.DOTALL):
            named |= {n for n in re.findall(r"(?:THEN|ELSE)\s+'(\w+)'", call) if n in names}
        body = re.sub(r"'[^']*'", "''", body)  # paths and labels are not references
        # nor are quoted identifiers: the SQL quotes a column named like a view
        body = re.sub(r'"[^"]*"', '""', body)
        # nor are aliases (a rollup column is named like the guardrail_interventions view)
        body = re.sub(r"\bAS\s+\w+\b(?!\s*\()", "AS", body)
        created = re.search(r"CREATE OR REPLACE (?:VIEW|TABLE|MACRO) (\w+)", body)
        assert created and created[1] == obj.name, obj.name
        read = {n for n in names - {obj.name} if re.search(rf"\b{n}\b", body) or n in named}
        assert read == set(obj.depends), obj.name
        assert obj.purpose and obj.grain and "\n" not in obj.purpose


def test_list_views_is_in_dependency_order_and_layered() -> None:
    views = queries.list_views()
    position = {v.name: i for i, v in enumerate(views)}
    for obj in sql_objects():
        for dep in obj.depends:
            if dep in position and obj.name in position:
                assert position[dep] < position[obj.name]
    layers = [v.layer for v in views]
    assert layers == sorted(layers, key=["raw", "staging", "metrics"].index)
    raw = {v.name for v in views if v.layer == "raw"}
    assert {"raw_invocations", "raw_quarantine", "raw_runs"} <= raw
    assert {v.layer for v in views} == {"raw", "staging", "metrics"}
    assert "price_list" not in position  # a table filled from Python, not a view


def test_sql_text_returns_the_file() -> None:
    text = queries.sql_text("decode_speed")
    assert text.startswith("-- purpose:") and "regr_slope" in text
    with pytest.raises(KeyError):
        queries.sql_text("no_such_view")


def test_catalog_rejects_bad_headers_and_cycles() -> None:
    with pytest.raises(CatalogError, match="lacks grain"):
        parse_header("v", "-- purpose: p\n-- layer: raw\n-- depends:\nSELECT 1")
    a = parse_header("a", "-- purpose: p\n-- grain: g\n-- layer: metrics\n-- depends: b\n")
    b = parse_header("b", "-- purpose: p\n-- grain: g\n-- layer: metrics\n-- depends: a\n")
    with pytest.raises(CatalogError, match="cycle"):
        dependency_order([a, b])
