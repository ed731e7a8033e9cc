"""Rows and commits for table-maintenance tests (local and on moto): the writer's snapshot
properties by hand, so a test can plant exactly the history it needs.

``python -m tests.core.tablerows LAKE CATALOG PREFIX N`` appends N rows the way an ingest
would and SIGKILLs itself at the catalog commit: its data files, manifests and manifest list
are written, nothing is committed (what a killed run leaves).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from bedrock_logbook.ingest.schema import INVOCATIONS_SCHEMA
from bedrock_logbook.ingest.table import append, open_table
from bedrock_logbook.lake.location import resolve

if TYPE_CHECKING:
    from pyiceberg.table import Table

REPO = Path(__file__).resolve().parents[2]
UTC = dt.UTC
Spec = tuple[str, str, str, int]  # request_id, ts (ISO, UTC), source, source_line


def rows(specs: list[Spec]) -> pa.Table:
    full = [{name: None for name in INVOCATIONS_SCHEMA.names}
            | {"request_id": rid, "ts": dt.datetime.fromisoformat(ts).replace(tzinfo=UTC),
               "source": source, "source_line": line, "input_tokens": line}
            for rid, ts, source, line in specs]
    return pa.Table.from_pylist(full, schema=INVOCATIONS_SCHEMA)


def day_rows(prefix: str, n: int, days: tuple[str, ...] = ("2026-11-02", "2026-11-03"),
             source: str = "s3://logs/a.json.gz") -> pa.Table:
    """n rows ``prefix-i``, spread over ``days`` in turn, line i of ``source``."""
    return rows([(f"{prefix}-{i}", f"{days[i % len(days)]}T10:{i % 60:02d}:00", source, i)
                 for i in range(n)])


def ingest(table: Table, batch: pa.Table, *, against: int | None | str = "current",
           run_id: str = "run") -> int:
    """Append as an ingest run does: one snapshot with our properties. ``against`` is the
    snapshot the run deduped against: by default the current one (a clean commit); a stale id
    plants what two racing writers leave."""
    table.refresh()
    if against == "current":
        current = table.current_snapshot()
        against = None if current is None else current.snapshot_id
    props = {"bedrock_logbook.operation": "ingest", "bedrock_logbook.run_id": run_id,
             "bedrock_logbook.deduped_against": "none" if against is None else str(against)}
    snapshot_id = append(table, batch, props)
    assert snapshot_id is not None
    return snapshot_id


def request_ids(table: Table) -> list[str]:
    table.refresh()
    return sorted(table.scan().to_arrow().column("request_id").to_pylist())


def live_files(table: Table) -> list[str]:
    table.refresh()
    return sorted(t.file.file_path for t in table.scan().plan_files())


def kill_during_append(lake: str, catalog: str | None, prefix: str, n: int,
                       env: dict[str, str] | None = None) -> None:
    args = [sys.executable, "-m", "tests.core.tablerows", lake, catalog or "", prefix, str(n)]
    done = subprocess.run(args, cwd=REPO, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr


def _main(argv: list[str]) -> None:
    lake, catalog, prefix, n = argv
    table = open_table(resolve(lake, catalog or None))

    def killed(*_: Any, **__: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    type(table)._do_commit = killed  # type: ignore[method-assign]
    ingest(table, day_rows(prefix, int(n)))


if __name__ == "__main__":
    _main(sys.argv[1:])
