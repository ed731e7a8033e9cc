"""The SQL files under queries/sql/: their headers, their order and their text.

Each file creates one object named after the file and starts with a header of
``-- key: value`` lines: purpose (one line, shown by ``bedrock-logbook views``), grain,
layer (raw, seed, staging or metrics), depends (objects it reads) and, for the price table
filled from Python, ``kind: table`` (``kind: macro`` for a SQL macro the views share;
``kind: memo`` for a table computed from the lake when a connection is made or refreshed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

LAYERS = ("raw", "seed", "staging", "metrics")
_HEADER_LINE = re.compile(r"^--\s*(?P<key>[a-z_]+):\s*(?P<value>.*)$")
_REQUIRED = ("purpose", "grain", "layer", "depends")


class CatalogError(ValueError):
    """A SQL file's header is missing or inconsistent."""


@dataclass(frozen=True)
class ViewInfo:
    name: str
    layer: str
    purpose: str
    grain: str


@dataclass(frozen=True)
class SqlObject:
    name: str
    kind: str  # 'view', 'table', 'macro' or 'memo'
    layer: str
    purpose: str
    grain: str
    depends: tuple[str, ...]
    text: str

    def info(self) -> ViewInfo:
        return ViewInfo(self.name, self.layer, self.purpose, self.grain)


def parse_header(name: str, text: str) -> SqlObject:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER_LINE.match(line.strip())
        if match is None:
            break
        fields[match["key"]] = match["value"].strip()
    missing = [key for key in _REQUIRED if key not in fields]
    if missing:
        raise CatalogError(f"{name}.sql: header lacks {', '.join(missing)}")
    if fields["layer"] not in LAYERS:
        raise CatalogError(f"{name}.sql: layer must be one of {LAYERS}, got {fields['layer']!r}")
    kind = fields.get("kind", "view")
    if kind not in ("view", "table", "macro", "memo"):
        raise CatalogError(
            f"{name}.sql: kind must be view, table, macro or memo, got {kind!r}")
    depends = tuple(d.strip() for d in fields["depends"].split(",") if d.strip())
    return SqlObject(
        name, kind, fields["layer"], fields["purpose"], fields["grain"], depends, text
    )


def dependency_order(objects: list[SqlObject]) -> list[SqlObject]:
    """Objects so that each comes after everything it depends on (stable by layer, name)."""
    by_name = {o.name: o for o in objects}
    for o in objects:
        unknown = [d for d in o.depends if d not in by_name]
        if unknown:
            raise CatalogError(f"{o.name}.sql depends on unknown {', '.join(unknown)}")
    ordered: list[SqlObject] = []
    placed: set[str] = set()
    pending = sorted(objects, key=lambda o: (LAYERS.index(o.layer), o.name))
    while pending:
        ready = [o for o in pending if all(d in placed for d in o.depends)]
        if not ready:
            raise CatalogError(f"dependency cycle among {', '.join(o.name for o in pending)}")
        ordered.append(ready[0])
        placed.add(ready[0].name)
        pending.remove(ready[0])
    return ordered


@cache
def sql_objects() -> tuple[SqlObject, ...]:
    """Every object in queries/sql/, in dependency order."""
    sql_dir = resources.files("bedrock_logbook.queries") / "sql"
    objects = [
        parse_header(entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in sql_dir.iterdir()
        if entry.name.endswith(".sql")
    ]
    return tuple(dependency_order(objects))


def list_views() -> list[ViewInfo]:
    """The views, in dependency order (raw, then staging, then metrics)."""
    return [o.info() for o in sql_objects() if o.kind == "view"]


def sql_text(view_name: str) -> str:
    """The text of the SQL file that creates ``view_name`` (for "show SQL")."""
    for o in sql_objects():
        if o.name == view_name:
            return o.text
    raise KeyError(f"no view named {view_name!r}; see queries.list_views()")
