"""The raw views restate the lake schema in SQL (queries may not import ingest): they must
agree with ingest/schema.py, column for column and type for type, on an empty and on a
written lake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedrock_logbook import queries
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_records
from bedrock_logbook.ingest.schema import INVOCATION_COLUMNS, QUARANTINE_COLUMNS, Column
from tests.core.records import converse

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp[us, tz=UTC]": "TIMESTAMP WITH TIME ZONE",
    "map<string, string>": "MAP(VARCHAR, VARCHAR)",
}


def expected(columns: tuple[Column, ...]) -> list[tuple[str, str]]:
    return [(c.name, DUCKDB_TYPES[str(c.type)]) for c in columns]


def described(lake: Path, view: str) -> list[tuple[str, str]]:
    con = queries.connect(lake)
    return [(name, typ) for name, typ, *_ in con.execute(f"DESCRIBE {view}").fetchall()]


@pytest.fixture(params=["empty", "written"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    if request.param == "written":
        with LakeLock(lake):
            # One good record and one without a timestamp, so both tables have files.
            s = ingest_records(lake, [converse(), {"schemaType": "ModelInvocationLog",
                                                   "requestId": "x"}],
                               options=IngestOptions(workers=1, salt="s"))
            assert (s.rows_written, s.quarantined) == (1, 1)
    return lake


def test_raw_invocations_matches_the_lake_schema(lake: Path) -> None:
    got = described(lake, "raw_invocations")
    assert got == expected(INVOCATION_COLUMNS) + [("date", "DATE")]


def test_raw_quarantine_matches_the_lake_schema(lake: Path) -> None:
    assert described(lake, "raw_quarantine") == expected(QUARANTINE_COLUMNS)


def test_every_lake_type_has_a_duckdb_name() -> None:
    for c in INVOCATION_COLUMNS + QUARANTINE_COLUMNS:
        assert str(c.type) in DUCKDB_TYPES, c
