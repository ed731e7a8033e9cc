"""Open DuckDB over a lake: the views in memory, or persisted in a .duckdb file for analysts."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from bedrock_logbook.queries.catalog import sql_objects
from bedrock_logbook.queries.prices import PriceTables, load_tables

LAKE_MACRO = "logbook_lake"
# A table name cannot be a bound parameter: one fixed statement per price table.
_INSERTS = {
    name: f"INSERT INTO {name} SELECT * FROM _price_rows"  # noqa: S608 (fixed names)
    for name in ("price_list", "price_model_match", "service_tier_list")
}


def connect(
    lake: str | os.PathLike[str], *, prices: str | os.PathLike[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every view over ``lake`` (which may be missing or empty).

    The lake is only read. ``prices`` is a user price CSV overriding/extending the shipped one.
    Paths may be ``str`` or ``Path``.
    """
    con = duckdb.connect(":memory:")
    try:
        use_utc(con)
        _create_objects(con, Path(lake), load_tables(_path(prices)))
    except BaseException:
        con.close()
        raise
    return con


def write_database(
    lake: str | os.PathLike[str], db_path: str | os.PathLike[str], *,
    prices: str | os.PathLike[str] | None = None,
) -> None:
    """Write a .duckdb file holding the views over ``lake``, readable with no setup:
    ``duckdb -readonly <db_path>`` or ``duckdb.connect(str(db_path), read_only=True)``.

    The views read the lake's files at query time, so new ingests show up without rewriting
    the file; the price list is copied in as a table (rewrite the file after changing prices).
    The file is built beside its destination and renamed into place, so readers never see a
    half-written database.
    """
    target = Path(db_path)
    price_tables = load_tables(_path(prices))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            use_utc(con)
            _create_objects(con, Path(lake), price_tables)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def use_utc(con: duckdb.DuckDBPyConnection) -> None:
    """Make the session's time zone UTC, whatever the host's ``TZ`` is.

    A TIMESTAMPTZ is shown, truncated and cast to DATE in the session's zone, which DuckDB
    takes from the host: under ``TZ=America/Los_Angeles`` a request at 02:00 UTC would land
    on the previous day. The views take their days from the lake's UTC date partition
    (``date``) so they hold in any session, e.g. the DuckDB CLI over a ``duckdb-file``
    database, where this setting does not persist; this keeps timestamps shown in UTC too.
    """
    con.execute("SET TimeZone = 'UTC'")


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return None if value is None else Path(value)


def _create_objects(
    con: duckdb.DuckDBPyConnection, lake: Path, tables: PriceTables
) -> None:
    _define_lake_macro(con, lake)
    for obj in sql_objects():
        con.execute(obj.text)
        if obj.kind == "table":
            _fill_price_table(con, obj.name, tables)


def glob_escape(path: str) -> str:
    """``path`` as a DuckDB glob that matches only itself: each glob character becomes a
    one-character class (``[`` → ``[[]``), so ``--lake 'lake[1]'`` never reads ``lake1``."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _define_lake_macro(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """Define ``logbook_lake()``, the absolute lake path every raw view reads under, escaped
    for DuckDB's globbing (every use appends a file pattern to it).

    DuckDB 2.0 refuses prepared parameters in CREATE VIEW and CREATE MACRO ("This type of
    statement can't be prepared"), and table functions such as read_parquet take neither
    subqueries nor session variables that would survive into a persisted file (SET VARIABLE
    is per connection). So the path is embedded as a string literal that DuckDB itself
    renders (``duckdb.ConstantExpression`` doubles embedded quotes), and the round trip is
    checked before any view uses it. Keeping it in one macro means each SQL file names the
    lake the same way in memory and in a persisted .duckdb file.
    """
    root = glob_escape(str(lake.expanduser().resolve()))
    literal = str(duckdb.ConstantExpression(root))
    con.execute("CREATE OR REPLACE MACRO " + LAKE_MACRO + "() AS " + literal)
    row = con.execute("SELECT " + LAKE_MACRO + "()").fetchone()
    if row is None or row[0] != root:
        raise ValueError(f"lake path did not survive quoting: {root!r}")


def _fill_price_table(con: duckdb.DuckDBPyConnection, name: str, tables: PriceTables) -> None:
    """Load one of the price tables, once per connection (or .duckdb file).

    Through Arrow: a few hundred rows by ``executemany`` take about a second.
    """
    columns = [c[0] for c in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [name]).fetchall()]
    if name == "price_list":
        values = [
            [r.model for r in tables.prices], [r.latency_mode for r in tables.prices],
            [r.profile_scope for r in tables.prices], [r.region for r in tables.prices],
            [r.token_class for r in tables.prices], [r.effective_from for r in tables.prices],
            [r.min_prompt_tokens for r in tables.prices],
            [str(r.usd_per_million) for r in tables.prices],
            [r.source for r in tables.prices], [r.origin for r in tables.prices],
        ]
    elif name == "price_model_match":
        values = [
            [m.price_model for m in tables.matches], [m.rank for m in tables.matches],
            [m.op for m in tables.matches], [m.pattern for m in tables.matches],
        ]
    elif name == "service_tier_list":
        values = [
            [t.model for t in tables.tiers], [t.service_tier for t in tables.tiers],
            [str(t.multiplier) for t in tables.tiers], [t.source for t in tables.tiers],
            [t.origin for t in tables.tiers],
        ]
    else:
        raise ValueError(f"no loader for table {name}")
    rows = pa.table(dict(zip(columns, values, strict=True)))
    con.register("_price_rows", rows)
    try:
        con.execute(_INSERTS[name])
    finally:
        con.unregister("_price_rows")
