"""Docs generated from code are current (DEVELOPERS.md practice 3)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bedrock_logbook.ingest.schema import INVOCATION_COLUMNS, markdown_table, schema_doc

ROOT = Path(__file__).resolve().parents[1]


def _gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lake_schema_doc_is_generated_from_code() -> None:
    assert (ROOT / "docs" / "lake-schema.md").read_text() == schema_doc(), "run `make docs`"


def test_readme_column_table_is_generated_from_code() -> None:
    readme = (ROOT / "README.md").read_text()
    assert markdown_table(INVOCATION_COLUMNS) in readme, "run `make docs`"
    assert _gen_docs().readme_with_table(readme) == readme


def test_every_column_is_documented() -> None:
    table = markdown_table(INVOCATION_COLUMNS)
    for c in INVOCATION_COLUMNS:
        assert f"| `{c.name}` |" in table and c.doc
