"""Open DuckDB over a lake: the views in memory, or persisted in a .duckdb file for analysts."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from bedrock_logbook.queries.catalog import sql_objects
from bedrock_logbook.queries.prices import PriceRow, load_prices

LAKE_MACRO = "logbook_lake"


def connect(
    lake: str | os.PathLike[str], *, prices: str | os.PathLike[str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with every view over ``lake`` (which may be missing or empty).

    The lake is only read. ``prices`` is a user price CSV overriding/extending the shipped one.
    Paths may be ``str`` or ``Path``.
    """
    con = duckdb.connect(":memory:")
    try:
        _create_objects(con, Path(lake), load_prices(_path(prices)))
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
    price_rows = load_prices(_path(prices))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            _create_objects(con, Path(lake), price_rows)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return None if value is None else Path(value)


def _create_objects(
    con: duckdb.DuckDBPyConnection, lake: Path, price_rows: list[PriceRow]
) -> None:
    _define_lake_macro(con, lake)
    for obj in sql_objects():
        con.execute(obj.text)
        if obj.name == "price_list":
            _fill_price_list(con, price_rows)


def _define_lake_macro(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """Define ``logbook_lake()``, the absolute lake path every raw view reads under.

    DuckDB 2.0 refuses prepared parameters in CREATE VIEW and CREATE MACRO ("This type of
    statement can't be prepared"), and table functions such as read_parquet take neither
    subqueries nor session variables that would survive into a persisted file (SET VARIABLE
    is per connection). So the path is embedded as a string literal that DuckDB itself
    renders (``duckdb.ConstantExpression`` doubles embedded quotes), and the round trip is
    checked before any view uses it. Keeping it in one macro means each SQL file names the
    lake the same way in memory and in a persisted .duckdb file.
    """
    root = str(lake.expanduser().resolve())
    literal = str(duckdb.ConstantExpression(root))
    con.execute("CREATE OR REPLACE MACRO " + LAKE_MACRO + "() AS " + literal)
    row = con.execute("SELECT " + LAKE_MACRO + "()").fetchone()
    if row is None or row[0] != root:
        raise ValueError(f"lake path did not survive quoting: {root!r}")


def _fill_price_list(con: duckdb.DuckDBPyConnection, rows: list[PriceRow]) -> None:
    con.executemany(
        "INSERT INTO price_list VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.model, r.latency_mode, r.profile_scope, r.region, r.token_class,
                r.effective_from, r.usd_per_million, r.source, r.origin,
            )
            for r in rows
        ],
    )
