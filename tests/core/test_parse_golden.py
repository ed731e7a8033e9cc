"""Issue 13: the fast parse path gives exactly what the parser it replaced gave.

The expected fingerprints (tests/core/parse_golden.json) were computed by the previous
implementation (commit 83607d0) over the same inputs: every column of every row, dedupe keys,
content digests, date partitions, quarantine entries and counts must be identical."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bedrock_logbook.ingest import parse
from bedrock_logbook.ingest.dedupe import content_digests
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.parse import ParseOptions
from bedrock_logbook.ingest.read import ParsedBatch, dedupe_key, parse_objects
from bedrock_logbook.ingest.sample_writer import write_sample_logs
from tests.core.parse_golden import GOLDEN, compute

EXPECTED: dict[str, Any] = json.loads(GOLDEN.read_text())


@pytest.fixture(scope="module")
def actual() -> dict[str, Any]:
    return compute()


@pytest.mark.parametrize("input_set", sorted(EXPECTED))
def test_parse_is_identical_to_the_previous_parser(actual: dict[str, Any],
                                                   input_set: str) -> None:
    want, got = EXPECTED[input_set], actual[input_set]
    # Same inputs first: otherwise a generator change, not the parser, would be blamed.
    assert got["input"] == want["input"], f"{input_set}: the generated inputs changed"
    for options in sorted(k for k in want if k not in ("input", "objects")):
        w, g = want[options], got[options]
        differing = sorted(c for c in w["columns"] if g["columns"].get(c) != w["columns"][c])
        assert differing == [], f"{input_set}/{options}: columns differ"
        assert g == w, f"{input_set}/{options}"


def test_golden_covers_rows_and_quarantine() -> None:
    # The oracle is only worth something if it saw rows and every kind of bad line.
    reasons: set[str] = set()
    rows = 0
    for entry in EXPECTED.values():
        rows += entry["salted"]["rows"]
        reasons |= set(entry["salted"]["quarantine_reasons"])
    assert rows > 10_000
    assert {"malformed_json", "not_a_record", "number_out_of_range", "bad_timestamp",
            "invalid_utf8", "too_deep", "missing_request_id"} <= reasons


def _sample_batch(tmp_path: Path) -> ParsedBatch:
    write_sample_logs(tmp_path, 600, seed=3, hours=2)
    files, _ = list_local(tmp_path)
    return parse_objects(list(read_local(files)), ParseOptions(salt=b"t"))


def test_digests_and_keys_are_the_lake_sides(tmp_path: Path) -> None:
    # The batch's digests and keys are computed from the values the table was built from;
    # the pipeline compares them with ones computed from lake rows by dedupe.py.
    batch = _sample_batch(tmp_path)
    assert batch.table.num_rows == 600
    assert batch.digests == content_digests(batch.table)
    assert batch.keys == [dedupe_key(r) for r in batch.table.column("request_id").to_pylist()]


def test_well_formed_records_take_the_fast_path(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def general_path(*args: object) -> None:
        raise AssertionError("general path used")

    monkeypatch.setattr(parse, "row_from_record", general_path)
    assert _sample_batch(tmp_path).table.num_rows == 600
