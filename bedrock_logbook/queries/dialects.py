"""The staging and metric views rendered for Spark SQL and Athena/Trino, from the one DuckDB
source in queries/sql/ (docs/athena.md).

The SQL files avoid what only DuckDB reads where a portable spelling costs nothing (explicit
GROUP BY lists, a cross join instead of UNPIVOT). What remains is translated here with sqlglot,
plus the rewrites sqlglot does not do (or does wrongly) for our views:

- ``guarded_quantile`` (a DuckDB macro) is inlined; its ``quantile_cont`` becomes Spark's exact
  ``percentile`` or Trino's ``approx_percentile`` (an estimate: see docs/athena.md).
- ``AS NOT MATERIALIZED`` (a DuckDB planning hint) is dropped.
- Spark: ``histogram`` (absent) becomes a map built from the group's collected values.
- Trino: ``regr_r2``/``regr_sxx``/``regr_count`` (absent) are written with ``var_pop``, ``corr``
  and ``count``; ``contains``/``ends_with`` on strings with ``strpos``/``substr``;
  ``* EXCLUDE (...)`` is expanded to the columns DuckDB resolves for the view.

Raw views and the price tables are not rendered: each engine defines them over its own storage
(tests/test_spark_portability.py for Spark, docs/athena.md for Athena).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bedrock_logbook.queries.catalog import SqlObject, sql_objects

DIALECTS = ("duckdb", "spark", "trino", "athena")
# sqlglot's writer for each engine: Athena's views are Trino SQL (engine version 3).
_WRITER = {"duckdb": "duckdb", "spark": "spark", "trino": "trino", "athena": "trino"}
# The exact interpolated percentile where the engine has one; Trino only estimates.
_PERCENTILE = {"spark": "percentile", "trino": "approx_percentile",
               "athena": "approx_percentile"}
RENDERED_LAYERS = ("staging", "metrics")
_MACRO_BODY = re.compile(r"MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*?);?\s*$",
                         re.IGNORECASE | re.DOTALL)


class DialectError(ValueError):
    """An unknown dialect, or a view this module cannot render."""


@dataclass(frozen=True)
class RenderedView:
    name: str
    layer: str
    depends: tuple[str, ...]
    sql: str  # one CREATE OR REPLACE VIEW statement, no trailing semicolon


def rendered_objects() -> list[SqlObject]:
    """The views rendered for other engines: staging and metrics, in dependency order."""
    return [o for o in sql_objects() if o.kind == "view" and o.layer in RENDERED_LAYERS]


def render_views(
    dialect: str, *, view_columns: Callable[[str], Sequence[str]] | None = None
) -> list[RenderedView]:
    """Every staging and metric view as ``dialect`` SQL, in dependency order.

    ``view_columns(name)`` gives a view's columns in order (needed for Trino, which has no
    ``* EXCLUDE``); by default DuckDB resolves them over an empty lake.
    """
    if dialect not in DIALECTS:
        raise DialectError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    columns = view_columns or duckdb_view_columns
    return [RenderedView(o.name, o.layer, o.depends, render(o, dialect, columns))
            for o in rendered_objects()]


def render(obj: SqlObject, dialect: str,
           view_columns: Callable[[str], Sequence[str]] = lambda _n: ()) -> str:
    """One view's CREATE statement in ``dialect``."""
    import sqlglot

    statement = _strip_header(obj.text)
    if dialect == "duckdb":
        return statement
    tree = sqlglot.parse_one(statement, read="duckdb")
    tree = tree.transform(_inline_macros(dialect))
    for cte in tree.find_all(sqlglot.exp.CTE):
        cte.set("materialized", None)
    if dialect == "spark":
        tree = tree.transform(_spark_histogram)
    else:
        tree = tree.transform(_trino_functions)
        _expand_star_exclude(tree, obj.name, view_columns)
    return str(tree.sql(dialect=_WRITER[dialect], pretty=True))


def _strip_header(text: str) -> str:
    """The statement without its header comments and trailing semicolon (sqlglot would carry
    comments into odd places)."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";")


@cache
def _macros() -> dict[str, tuple[tuple[str, ...], str]]:
    """Each ``kind: macro`` object: its parameter names and body text."""
    found: dict[str, tuple[tuple[str, ...], str]] = {}
    for o in sql_objects():
        if o.kind != "macro":
            continue
        match = _MACRO_BODY.search(_strip_header(o.text))
        if match is None:
            raise DialectError(f"{o.name}.sql: cannot read the macro's parameters and body")
        params = tuple(p.strip() for p in match[2].split(",") if p.strip())
        found[match[1].lower()] = (params, match[3])
    return found


def _inline_macros(dialect: str) -> Callable[[Any], Any]:
    import sqlglot
    from sqlglot import exp

    macros = _macros()

    def inline(node: Any) -> Any:
        if not isinstance(node, exp.Anonymous) or node.name.lower() not in macros:
            return node
        params, body = macros[node.name.lower()]
        if len(params) != len(node.expressions):
            raise DialectError(f"{node.name} takes {len(params)} arguments")
        args = dict(zip(params, node.expressions, strict=True))
        template = sqlglot.parse_one(body, read="duckdb")
        for quantile in list(template.find_all(exp.PercentileCont, exp.Quantile)):
            quantile.replace(exp.Anonymous(this=_PERCENTILE[dialect],
                                           expressions=[quantile.this, quantile.expression]))
        for column in list(template.find_all(exp.Column)):
            if not column.table and column.name in args:
                column.replace(args[column.name].copy())
        return template

    return inline


def _template(sql: str, read: str, **parts: Any) -> Any:
    """``sql`` parsed, with each column named like a keyword of ``parts`` replaced by it."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read=read)
    for column in list(tree.find_all(exp.Column)):
        if not column.table and column.name in parts:
            column.replace(parts[column.name].copy())
    return tree


def _spark_histogram(node: Any) -> Any:
    """``histogram(k) [FILTER (WHERE c)]``: Spark has no such aggregate. Count each distinct
    value among the collected ones; NULL (not an empty map) for a group without values,
    as DuckDB returns."""
    from sqlglot import exp

    call, condition = node, None
    if isinstance(node, exp.Filter):
        call, condition = node.this, node.expression.this
    if not (isinstance(call, exp.Anonymous) and call.name.lower() == "histogram"):
        return node
    key = call.expressions[0]
    cond = condition if condition is not None else exp.true()
    return _template(
        "CASE WHEN count(__k) FILTER (WHERE __c) > 0 THEN map_from_entries(transform("
        "array_distinct(collect_list(__k) FILTER (WHERE __c)), "
        "__v -> struct(__v, size(filter(collect_list(__k) FILTER (WHERE __c), "
        "__y -> __y = __v))))) END",
        "spark", __k=key, __c=cond)


_TRINO_REWRITES: Mapping[str, str] = {
    # DuckDB's definitions: pairs where both values are non-NULL; R² is NULL without spread
    # in x and 1 without spread in y.
    "RegrCount": "count(CASE WHEN __y IS NOT NULL AND __x IS NOT NULL THEN 1 END)",
    "RegrSxx": "var_pop(CASE WHEN __y IS NOT NULL THEN __x END)"
               " * count(CASE WHEN __y IS NOT NULL AND __x IS NOT NULL THEN 1 END)",
    "RegrR2": "CASE WHEN var_pop(CASE WHEN __y IS NOT NULL THEN __x END) = 0 THEN NULL"
              " WHEN var_pop(CASE WHEN __x IS NOT NULL THEN __y END) = 0 THEN 1"
              " ELSE power(corr(__y, __x), 2) END",
    # Trino's contains() is for arrays and it has no ends_with().
    "Contains": "strpos(__y, __x) > 0",
    "EndsWith": "substr(__y, greatest(length(__y) - length(__x) + 1, 1)) = __x",
}


def _trino_functions(node: Any) -> Any:
    rewrite = _TRINO_REWRITES.get(type(node).__name__)
    if rewrite is None:
        return node
    return _template(rewrite, "trino", __y=node.this, __x=node.expression)


def _expand_star_exclude(tree: Any, view: str,
                         view_columns: Callable[[str], Sequence[str]]) -> None:
    """Trino has no ``* EXCLUDE``: list the columns it stands for. Only the view's outermost
    SELECT may use it, first, with every other column named after it, so the star stands for
    the view's leading columns."""
    from sqlglot import exp

    for star in tree.find_all(exp.Star):
        if star.args.get("except_") is None:
            continue
        select = star.parent
        outer = tree.expression if isinstance(tree, exp.Create) else tree
        if select is not outer or select.expressions[0] is not star:
            raise DialectError(f"{view}: * EXCLUDE is supported only first in the view's "
                               "outermost SELECT")
        columns = list(view_columns(view))
        named = [e.alias_or_name for e in select.expressions[1:]]
        lead = columns[: len(columns) - len(named)]
        if not lead or columns[len(lead):] != named:
            raise DialectError(f"{view}: cannot tell which columns * EXCLUDE stands for")
        select.set("expressions", [exp.column(c, quoted=True) for c in lead]
                   + select.expressions[1:])
        return


def duckdb_view_columns(view: str) -> list[str]:
    """A view's column names as DuckDB resolves them (over an empty lake: nothing is read)."""
    return list(_duckdb_columns().get(view, ()))


@cache
def _duckdb_columns() -> dict[str, tuple[str, ...]]:
    import tempfile

    from bedrock_logbook.queries.connection import connect

    with tempfile.TemporaryDirectory() as empty:
        con = connect(empty)
        try:
            rows = con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "ORDER BY table_name, ordinal_position").fetchall()
        finally:
            con.close()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(str(table), []).append(str(column))
    return {k: tuple(v) for k, v in found.items()}


def script(dialect: str) -> str:
    """Every rendered view as one script, each statement ended by a semicolon."""
    return "\n\n".join(f"-- {v.name} ({v.layer})\n{v.sql};" for v in render_views(dialect))
