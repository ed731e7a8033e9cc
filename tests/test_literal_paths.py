"""Issue 10: a lake path is literal. Glob characters in it used to reach DuckDB's globbing:
``--lake 'lake[1]'`` read its sibling ``lake1`` and ``lake*`` read every lake beside it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_logbook import queries
from bedrock_logbook.queries.connection import glob_escape
from tests.core.lakeutil import write_batch
from tests.core.records import converse

REPO = Path(__file__).resolve().parents[1]


def ingest(logs: Path, lake: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files",
                        str(logs), "--lake", str(lake)], cwd=REPO, capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0, r.stderr


# "lake?" is not here: the Iceberg table records file URIs, where "?" starts a query string
# (pyiceberg then names another folder), so such a lake is refused (next test).
@pytest.mark.parametrize("name", ["lake[1]", "lake*", "la[k]e"])
def test_lake_with_glob_characters_reads_only_itself(tmp_path: Path, name: str) -> None:
    write_batch(tmp_path / "logs1", [converse("00000000-0000-0000-0000-000000000001")])
    write_batch(tmp_path / "logs2", [converse("00000000-0000-0000-0000-000000000002"),
                                     converse("00000000-0000-0000-0000-000000000003")])
    ingest(tmp_path / "logs1", tmp_path / name)
    for sibling in ("lake1", "lakeX", "lake"):  # what the unescaped pattern would also match
        ingest(tmp_path / "logs2", tmp_path / sibling)
    con = queries.connect(tmp_path / name)
    assert con.execute("SELECT count(*) FROM raw_invocations").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM raw_runs").fetchone() == (1,)


@pytest.mark.parametrize("name", ["lake?", "lake#1"])
def test_lake_path_a_uri_cannot_hold_is_refused_in_one_line(tmp_path: Path, name: str) -> None:
    write_batch(tmp_path / "logs", [converse("00000000-0000-0000-0000-000000000001")])
    (tmp_path / "lake").mkdir()  # the folder pyiceberg would read "lake?" as
    r = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files",
                        str(tmp_path / "logs"), "--lake", str(tmp_path / name)], cwd=REPO,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 3
    assert len(r.stderr.strip().splitlines()) == 1 and "choose another folder" in r.stderr
    assert not (tmp_path / name).exists()
    assert list((tmp_path / "lake").iterdir()) == []


def test_glob_escape_by_hand() -> None:
    assert glob_escape("/a/lake[1]*?") == "/a/lake[[]1][*][?]"
