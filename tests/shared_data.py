"""The real log records the tests read, from tests/fixtures/ (sources in its SOURCES.md).

Everything lives inside the repository: a fresh clone with nothing beside it runs every test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_LOGS = FIXTURES / "real_logs"
SEED_RECORDS = FIXTURES / "seed_records"


def real_log(name_prefix: str) -> dict[str, Any]:
    """The real record whose file name starts with ``name_prefix`` (e.g. '07')."""
    (path,) = sorted(REAL_LOGS.glob(f"{name_prefix}_*.json"))
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def real_log_paths() -> list[Path]:
    paths = sorted(REAL_LOGS.glob("*.json"))
    if not paths:  # an empty list would let every loop over it pass vacuously
        raise FileNotFoundError(f"no real log records in {REAL_LOGS}")
    return paths


def seed_records(seed_prefix: str) -> list[dict[str, Any]]:
    """The ModelInvocationLog records printed inside a seed post, in the post's order."""
    records: list[dict[str, Any]] = json.loads(
        (SEED_RECORDS / f"{seed_prefix}.json").read_text(encoding="utf-8"))
    return records
