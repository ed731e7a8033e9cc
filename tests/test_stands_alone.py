"""The repository stands alone: tests read only files inside it (a user's clone has nothing
beside it). `.ci/run` proves it end to end by running `make test` in a bare copy; these checks
say which file broke the rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# The reference shelf beside our checkouts, by any of the names tests used for it.
OUTSIDE = re.compile(r"\.\./shared|/work/|[\"']shared[\"']")


def test_no_test_reads_outside_the_repository() -> None:
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path == Path(__file__):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_every_fixture_has_its_source_listed() -> None:
    sources = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    fixtures = [p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    assert len(fixtures) >= 14  # 11 records, 1 CloudTrail event, 2 seed-record files
    # SOURCES.md names a file by its name, or by its path below its table's folder.
    unlisted = [str(p.relative_to(FIXTURES)) for p in fixtures
                if f"`{p.name}`" not in sources
                and f"`{p.parent.name}/{p.name}`" not in sources]
    assert unlisted == []


def test_fixture_records_parse() -> None:
    for path in FIXTURES.rglob("*.json"):
        value = json.loads(path.read_text(encoding="utf-8"))
        records = value if isinstance(value, list) else [value]
        assert records and all(isinstance(r, dict) for r in records), path
