"""Access to ../shared (read in place, never copied into the repo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_LOGS = SHARED / "real_logs"
SEEDS = SHARED / "seeds"


def real_log(name_prefix: str) -> dict[str, Any]:
    """The real record whose file name starts with ``name_prefix`` (e.g. '07')."""
    (path,) = sorted(REAL_LOGS.glob(f"{name_prefix}_*.json"))
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def real_log_paths() -> list[Path]:
    return sorted(REAL_LOGS.glob("*.json"))


def seed_records(seed_prefix: str) -> list[dict[str, Any]]:
    """The ModelInvocationLog records printed inside a seed post, in order.

    The posts print records as pretty JSON; a diff marker ('+ ') may prefix an added line.
    """
    (path,) = sorted(SEEDS.glob(f"{seed_prefix}_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    records: list[dict[str, Any]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "{" and i + 1 < len(lines) and '"schemaType"' in lines[i + 1]:
            depth, buf = 0, []
            for j in range(i, len(lines)):
                line = lines[j]
                if line.startswith("+ "):
                    line = "  " + line[2:]
                buf.append(line)
                depth += line.count("{") - line.count("}")
                if depth == 0:
                    break
            records.append(json.loads("\n".join(buf)))
            i = j + 1
        else:
            i += 1
    return records
