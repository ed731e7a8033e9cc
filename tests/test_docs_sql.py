"""Every SQL example in the README and docs/analyst.md runs on a real lake (docs tested)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "analyst.md"]


def sql_statements() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in re.findall(r"```sql\n(.*?)```", doc.read_text(), flags=re.S):
            for statement in block.split(";"):
                code = "\n".join(line for line in statement.splitlines()
                                 if not line.strip().startswith("--")).strip()
                if code:
                    found.append((doc.name, code))
    return found


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    lake = tmp_path_factory.mktemp("docs") / "lake"
    files, skipped = list_local(ROOT / "sample_logs")
    with LakeLock(lake):
        ingest_objects(lake, read_local(files), skipped=skipped,
                       options=IngestOptions(workers=1, salt="docs"))
    return queries.connect(lake)


def test_docs_have_sql_examples() -> None:
    assert len([d for d, _ in sql_statements() if d == "README.md"]) >= 3


@pytest.mark.parametrize(("doc", "sql"), sql_statements())
def test_sql_example_runs_and_returns_rows(con, doc: str, sql: str) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute(sql).fetchall()
    assert rows, f"{doc}: example returned no rows on the sample lake:\n{sql}"
