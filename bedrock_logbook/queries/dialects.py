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
ROLLUP_PREFIX = "rollup_"
# The same-day prompt pairs views read a derived table the same way (DuckDB only).
PROMPT_PAIRS_PREFIX = "prompt_pairs_"
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
    """The views rendered for other engines: staging and metrics, in dependency order.

    The rollup views are DuckDB's only: they merge sketches with list lambdas and read the
    rollup tables' planned files; other engines read the raw views (docs/athena.md).
    """
    return [o for o in sql_objects()
            if o.kind == "view" and o.layer in RENDERED_LAYERS
            and not o.name.startswith((ROLLUP_PREFIX, PROMPT_PAIRS_PREFIX))]


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
    # DuckDB's rate_tiers reads the connection's memo (lake_rates.sql), which other engines
    # do not have: there it is its definition, computed in the query.
    found["rate_tiers"] = found.pop("rate_tiers_of")
    return found


def _inline_macros(dialect: str) -> Callable[[Any], Any]:
    import sqlglot
    from sqlglot import exp

    macros = _macros()

    def inline(node: Any) -> Any:
        if (isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)
                and node.this.name.lower() in macros):
            return _inline_table_macro(node, macros).transform(inline)
        if not isinstance(node, exp.Anonymous) or node.name.lower() not in macros:
            return node
        params, body = macros[node.name.lower()]
        if len(params) != len(node.expressions):
            raise DialectError(f"{node.name} takes {len(params)} arguments")
        args = dict(zip(params, node.expressions, strict=True))
        template = sqlglot.parse_one(body, read="duckdb")
        for quantile in list(template.find_all(exp.PercentileCont, exp.Quantile)):
            values = quantile.this
            if dialect != "spark":
                # Trino's estimate has its argument's type: BIGINT latencies would give
                # whole-number percentiles.
                values = exp.cast(values, "DOUBLE")
            quantile.replace(exp.Anonymous(this=_PERCENTILE[dialect],
                                           expressions=[values, quantile.expression]))
        for column in list(template.find_all(exp.Column)):
            if not column.table and column.name in args:
                column.replace(args[column.name].copy())
        # A macro body may call other macros (guarded_quantile calls quantile_min_count).
        return template.transform(inline)

    return inline


def _inline_table_macro(node: Any, macros: Mapping[str, tuple[tuple[str, ...], str]]) -> Any:
    """``FROM rate_tiers('invocations') AS r`` as a subquery: the table macro's body with its
    constant arguments put in, and the UNION ALL branches those constants switch off removed
    (they read DuckDB-only views, e.g. the rollups)."""
    import sqlglot
    from sqlglot import exp

    call = node.this
    params, body = macros[call.name.lower()]
    if not body.upper().startswith("TABLE"):
        raise DialectError(f"{call.name} is not a table macro")
    if len(params) != len(call.expressions):
        raise DialectError(f"{call.name} takes {len(params)} arguments")
    args = dict(zip(params, call.expressions, strict=True))
    if not all(isinstance(a, exp.Literal) for a in args.values()):
        raise DialectError(f"{call.name}: only constant arguments can be inlined")
    template = sqlglot.parse_one(body[len("TABLE"):], read="duckdb")
    for column in list(template.find_all(exp.Column)):
        if not column.table and column.name in args:
            column.replace(args[column.name].copy())

    def switched_off(select: Any) -> bool:
        where = select.args.get("where") if isinstance(select, exp.Select) else None
        if where is None:
            return False
        condition = where.this
        # Only a conjunct of the whole predicate switches a branch off (not one under OR).
        conjuncts = condition.flatten() if isinstance(condition, exp.And) else [condition]
        for cmp in conjuncts:
            if not isinstance(cmp, exp.EQ | exp.NEQ):
                continue
            left, right = cmp.this, cmp.expression
            if isinstance(left, exp.Literal) and isinstance(right, exp.Literal):
                if (left.this == right.this) == isinstance(cmp, exp.NEQ):
                    return True
        return False

    def prune(tree: Any) -> Any:
        if isinstance(tree, exp.Union):
            left, right = prune(tree.this), prune(tree.expression)
            if left is None or right is None:
                return left if right is None else right
            tree.set("this", left)
            tree.set("expression", right)
            return tree
        return None if switched_off(tree) else tree

    for union in [u for u in template.find_all(exp.Union)
                  if not isinstance(u.parent, exp.Union)]:
        kept = prune(union.copy())
        if kept is None:
            raise DialectError(f"{call.name}: every branch is switched off")
        union.replace(kept)
    alias = node.args.get("alias")
    return exp.Subquery(this=template, alias=alias.copy() if alias else None)


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
    return [name for name, _type in _empty_lake(None).columns.get(view, ())]


@dataclass(frozen=True)
class _EmptyLake:
    """What DuckDB resolves over an empty lake: every object's columns and types, and the
    price tables' rows (the shipped list, or with a user's price file)."""
    columns: dict[str, tuple[tuple[str, str], ...]]
    seeds: dict[str, list[tuple[Any, ...]]]


@cache
def _empty_lake(prices: str | None) -> _EmptyLake:
    import tempfile

    from bedrock_logbook.queries.connection import connect

    seed_names = [o.name for o in sql_objects() if o.kind == "table"]
    with tempfile.TemporaryDirectory() as empty:
        con = connect(empty, prices=prices)
        try:
            rows = con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "ORDER BY table_name, ordinal_position").fetchall()
            seeds = {name: con.execute("SELECT * FROM " + name).fetchall()  # noqa: S608
                     for name in seed_names}  # (names from the catalog)
        finally:
            con.close()
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        columns.setdefault(str(table), []).append((str(column), str(data_type)))
    return _EmptyLake({k: tuple(v) for k, v in columns.items()}, seeds)


def _literal(value: Any) -> Any:
    import datetime as dt
    from decimal import Decimal

    from sqlglot import exp

    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float | Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


# Athena refuses a query text over 262,144 bytes: a price table larger than this is split
# into views of this size at most, joined by UNION ALL.
MAX_STATEMENT_BYTES = 200_000


def render_seed(name: str, dialect: str, *, prices: str | None = None) -> list[str]:
    """A price table (filled from Python in DuckDB) as views over its rows, typed as in
    DuckDB, so engines without our Python get the same price list: one view, or parts
    ``<name>_part<N>`` and the view reading them all."""
    import sqlglot
    from sqlglot import exp

    lake = _empty_lake(prices)
    columns = lake.columns[name]
    rows = lake.seeds[name]
    writer = _WRITER[dialect]

    def view(view_name: str, select: Any) -> str:
        create = exp.Create(this=exp.to_table(view_name), kind="VIEW", replace=True,
                            expression=select)
        return str(create.sql(dialect=writer))

    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns)
        return [view(name, sqlglot.parse_one(f"SELECT {nulls} WHERE false", read="duckdb"))]
    typed = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns)
    names = [c for c, _t in columns]
    tuples = [exp.tuple_(*[_literal(v) for v in row]) for row in rows]
    sizes = [len(tup.sql(dialect=writer).encode()) + 2 for tup in tuples]  # bytes, as Athena
    chunks: list[list[Any]] = [[]]
    size = 0
    for tup, tup_size in zip(tuples, sizes, strict=True):
        if chunks[-1] and size + tup_size > MAX_STATEMENT_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(tup)
        size += tup_size

    def select_rows(chunk: list[Any]) -> Any:
        # Names and types from DuckDB's catalog, not input; the rows go in as literals.
        text = f"SELECT {typed} FROM (VALUES (1)) AS t"  # noqa: S608
        select = sqlglot.parse_one(text, read="duckdb")
        select.set("from_", exp.From(this=exp.values(chunk, alias="t", columns=names)))
        return select

    if len(chunks) == 1:
        return [view(name, select_rows(chunks[0]))]
    parts = [f"{name}_part{i}" for i in range(1, len(chunks) + 1)]
    union = " UNION ALL ".join(f"SELECT * FROM {part}" for part in parts)  # noqa: S608
    return ([view(part, select_rows(chunk)) for part, chunk in zip(parts, chunks, strict=True)]
            + [view(name, sqlglot.parse_one(union, read="duckdb"))])


# Engines other than DuckDB get the lake as the catalog's table; the run records and the
# quarantine (plain files beside it) are not tables there.
LAKE_TABLE = "bedrock_logbook.invocations"
RAW_INVOCATIONS = (f"CREATE OR REPLACE VIEW raw_invocations AS "  # noqa: S608 (fixed name)
                   f"SELECT *, CAST(ts AS DATE) AS \"date\" FROM {LAKE_TABLE}")
NOT_TABLES = ("raw_runs", "raw_quarantine")


def _needs(view: RenderedView, missing: set[str]) -> bool:
    return any(d in missing for d in view.depends)


def script(dialect: str, *, prices: str | None = None) -> str:
    """What an engine needs for the views, as one script of statements ended by semicolons:
    ``raw_invocations`` over the Iceberg table, the price tables as views over their rows,
    then the staging and metric views. Views that read the run records or the quarantine
    are left out (named in a comment)."""
    import sqlglot

    if dialect not in DIALECTS or dialect == "duckdb":
        raise DialectError(f"choose one of spark, trino, athena (got {dialect!r})")
    parts = [
        f"-- bedrock-logbook views for {dialect}, rendered from the DuckDB views "
        "(bedrock-logbook views --dialect; docs/athena.md).",
        f"-- Run in a database of its own: the staging view `invocations` would clash with "
        f"the table {LAKE_TABLE}.",
        "-- raw_invocations: the Iceberg table, with the UTC date the views group by.\n"
        + sqlglot.transpile(RAW_INVOCATIONS, read="duckdb", write=_WRITER[dialect])[0] + ";",
    ]
    for seed in (o.name for o in sql_objects() if o.kind == "table"):
        for statement in render_seed(seed, dialect, prices=prices):
            parts.append(f"-- {seed} (price table)\n{statement};")
    missing = set(NOT_TABLES)
    left_out: list[str] = []
    for view in render_views(dialect):
        if _needs(view, missing):
            missing.add(view.name)
            left_out.append(view.name)
            continue
        parts.append(f"-- {view.name} ({view.layer})\n{view.sql};")
    parts.append(f"-- Not created (they read the run records or the quarantine, which are "
                 f"files, not tables): {', '.join(left_out)}.")
    return "\n\n".join(parts) + "\n"
