"""The views rendered for Athena/Trino (queries/dialects.py): no engine runs here, so each
rendering must parse as Trino SQL and contain none of DuckDB's own constructs; the rewrites made
for Trino (regression aggregates, string functions, `* EXCLUDE`) are proven equal to DuckDB's
originals by running the Trino rendering, translated back, on DuckDB; the price-table views
carry every row; `bedrock-logbook views --dialect` prints the script."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from bedrock_logbook import queries
from bedrock_logbook.queries import dialects

ROOT = Path(__file__).resolve().parents[1]
VIEWS = [o.name for o in dialects.rendered_objects()]
# DuckDB's own (Trino has none of them, or a different meaning): as parsed by sqlglot, and as
# text in the rendering.
DUCKDB_ONLY_NODES = (exp.PercentileCont, exp.Quantile, exp.RegrR2, exp.RegrSxx, exp.RegrCount,
                     exp.Contains, exp.EndsWith, exp.Pivot)
DUCKDB_ONLY_TEXT = re.compile(r"\b(QUANTILE_CONT|GROUP BY ALL|EXCLUDE|NOT MATERIALIZED|UNPIVOT|"
                              r"QUALIFY|REGR_R2|REGR_SXX|REGR_COUNT|GUARDED_QUANTILE|EPOCH|"
                              r"ARG_MAX|ARG_MIN|LIST|STRUCT_PACK)\b", re.IGNORECASE)


@pytest.mark.parametrize("dialect", ["trino", "athena"])
def test_every_view_parses_as_trino_without_duckdb_constructs(dialect: str) -> None:
    rendered = dialects.render_views(dialect)
    assert [v.name for v in rendered] == VIEWS
    for view in rendered:
        tree = sqlglot.parse_one(view.sql, read="trino")
        assert isinstance(tree, exp.Create) and tree.this.name == view.name
        # By exact type: Trino's approx_percentile parses as a subclass of Quantile.
        found = [type(n).__name__ for n in tree.walk() if type(n) in DUCKDB_ONLY_NODES]
        assert not found, f"{view.name}: {found}"
        assert not any(s.args.get("except_") for s in tree.find_all(exp.Star)), view.name
        text = tree.sql(dialect="trino", comments=False)
        assert DUCKDB_ONLY_TEXT.search(text) is None, (
            f"{view.name}: {DUCKDB_ONLY_TEXT.search(text)}")


def test_percentiles_are_approx_percentile_on_trino_and_percentile_on_spark() -> None:
    trino = {v.name: v.sql for v in dialects.render_views("trino")}
    spark = {v.name: v.sql for v in dialects.render_views("spark")}
    assert "APPROX_PERCENTILE(CAST(latency_ms AS DOUBLE), 0.99)" in trino["summary_overview"]
    assert "PERCENTILE(latency_ms, 0.99)" in spark["summary_overview"]
    assert "APPROX" not in spark["summary_overview"]


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("dialects")
    env = {**os.environ, "BEDROCK_LOGBOOK_SALT": "dialects"}
    for args in (["sample", "--records", "3000", "--out", str(root / "logs")],
                 ["ingest", "files", str(root / "logs"), "--lake", str(root / "lake")]):
        done = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=ROOT,
                              capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    con = queries.connect(root / "lake")
    yield con
    con.close()


def back_to_duckdb(sql: str, name: str) -> str:
    tree = sqlglot.parse_one(sql, read="trino")
    tree.set("this", exp.to_table(name))
    return str(tree.sql(dialect="duckdb"))


def rows(con: duckdb.DuckDBPyConnection, view: str, skip: set[str]) -> list[tuple[Any, ...]]:
    cur = con.execute(f"SELECT * FROM {view}")  # noqa: S608 (catalog names)
    keep = [i for i, c in enumerate(cur.description) if c[0] not in skip]
    picked = [tuple(r[i] for i in keep) for r in cur.fetchall()]
    return sorted(picked, key=lambda r: tuple((v is None, f"{v:.6g}" if isinstance(v, float)
                                                else repr(v)) for v in r))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


@pytest.mark.parametrize("view", ["invocations", "decode_speed", "decode_speed_by_region",
                                  "cost_by_dimension", "served_vs_requested"])
def test_trino_rewrites_give_duckdbs_numbers(duck: duckdb.DuckDBPyConnection, view: str) -> None:
    """The Trino rendering (regr_* as var_pop/corr/count, contains/ends_with as strpos/substr,
    `* EXCLUDE` expanded), read back into DuckDB, which has those functions too, gives the
    original view's rows."""
    rendered = {v.name: v.sql for v in dialects.render_views("trino")}[view]
    duck.execute(back_to_duckdb(rendered, f"trino_{view}"))
    original = rows(duck, view, set())
    assert original, f"{view} is empty on the sample lake"
    again = rows(duck, f"trino_{view}", set())
    assert len(again) == len(original)
    for a, b in zip(original, again, strict=True):
        assert all(same(x, y) for x, y in zip(a, b, strict=True)), f"{a}\n{b}"


def test_trino_regr_rewrite_matches_duckdb_edge_cases() -> None:
    """No spread in x: slope and R² NULL; no spread in y: R² 1; NULLs drop the pair."""
    con = duckdb.connect()
    sql = ("SELECT regr_count(y, x) AS n, regr_sxx(y, x) AS sxx, regr_r2(y, x) AS r2 "
           "FROM t GROUP BY g ORDER BY g")
    trino = sqlglot.parse_one(sql, read="duckdb").transform(dialects._trino_functions)
    back = sqlglot.transpile(trino.sql(dialect="trino"), read="trino", write="duckdb")[0]
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, 1.0, 5.0), (1, 1.0, 7.0), "
                "(2, 1.0, 3.0), (2, 2.0, 3.0), (3, 1.0, 1.0), (3, 2.0, 4.0), (3, 3.0, 4.5), "
                "(3, NULL, 9.0), (3, 4.0, NULL)) AS v (g, x, y)")
    expected = con.execute(sql).fetchall()
    assert expected[0][2] is None and expected[1][2] == 1  # the two edge cases occur
    got = con.execute(back).fetchall()
    for e, g in zip(expected, got, strict=True):
        assert e[0] == g[0]
        assert all((a is None and b is None) or math.isclose(a, b, rel_tol=1e-12)
                   for a, b in zip(e[1:], g[1:], strict=True)), (e, g)


def test_price_table_views_carry_every_row() -> None:
    """Each price table's rendering, read back into DuckDB, holds the rows DuckDB loaded
    (and price_list is split so no statement exceeds Athena's query size)."""
    con = queries.connect(ROOT / "no-such-lake")
    try:
        for name in ("price_list", "price_model_match", "service_tier_list"):
            statements = dialects.render_seed(name, "athena")
            assert all(len(s.encode()) <= 262_144 for s in statements)
            for statement in statements:
                tree = sqlglot.parse_one(statement, read="trino")
                tree.set("this", exp.to_table("athena_" + tree.this.name))
                text = tree.sql(dialect="duckdb")
                text = re.sub(r"\bFROM (\w+_part\d+)", r"FROM athena_\1", text)
                con.execute(text)
            want = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()  # noqa: S608
            got = con.execute(f"SELECT * FROM athena_{name} ORDER BY ALL").fetchall()  # noqa: S608
            assert want and got == want, name
        assert len(dialects.render_seed("price_list", "athena")) > 1
    finally:
        con.close()


def test_cli_prints_the_script(tmp_path: Path) -> None:
    """With the user's price file (BEDROCK_LOGBOOK_PRICES), as `sql` would read it."""
    mine = tmp_path / "prices.csv"
    mine.write_text("model,latency_mode,profile_scope,region,token_class,effective_from,"
                    "usd_per_million,source\nacme.model-v1,standard,*,*,input,2026-01-01,"
                    "1.25,our contract\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "views", "--dialect",
                           "athena"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "BEDROCK_LOGBOOK_PRICES": str(mine)})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "CREATE OR REPLACE VIEW raw_invocations AS SELECT *, CAST(ts AS DATE) AS \"date\" " \
           "FROM bedrock_logbook.invocations;" in out
    file_views = {"freshness", "ingest_runs", "quarantine_reasons"}  # no tables there
    for view in VIEWS:
        assert (f"CREATE OR REPLACE VIEW {view} AS" in out) is (view not in file_views), view
    assert "('acme.model-v1', 'standard', '*', '*', 'input', CAST('2026-01-01' AS DATE)" in out
    assert "Not created (they read the run records or the quarantine, which are files, not " \
           "tables): freshness, ingest_runs, quarantine_reasons." in out
    wrong = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "views", "--dialect",
                            "oracle"], cwd=ROOT, capture_output=True, text=True)
    assert wrong.returncode == 2


@pytest.mark.parametrize("dialect", ["spark", "trino"])
def test_the_rate_table_macro_is_inlined_with_only_the_raw_branch(dialect: str) -> None:
    """``invocations`` joins ``rate_tiers('invocations')``, a DuckDB table macro whose other
    branches read the rollup views: other engines get its body as a subquery holding only the
    branches the constant switches on (the raw keys), and no rollup view at all."""
    (view,) = [v for v in dialects.render_views(dialect) if v.name == "invocations"]
    tree = sqlglot.parse_one(view.sql, read=dialects._WRITER[dialect])
    tables = {t.name for t in tree.find_all(exp.Table)}
    assert "rate_tiers" not in tables and not any(t.startswith("rollup_") for t in tables)
    assert "raw_invocations" in tables
    constants = [c for c in tree.find_all(exp.EQ, exp.NEQ)
                 if isinstance(c.this, exp.Literal) and isinstance(c.expression, exp.Literal)]
    # What remains is the switched-on branch's own 'invocations' = 'invocations'.
    assert [(c.key, c.this.this, c.expression.this) for c in constants] == [
        ("eq", "invocations", "invocations")]
    assert not any(v.name.startswith("rollup_") for v in dialects.render_views(dialect))
