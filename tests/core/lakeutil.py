"""Small helpers for pipeline tests: real gzip files in the real key layout, lake snapshots."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_batch(root: Path, records: Iterable[dict[str, Any] | bytes], *,
                account: str = "123456789012",
                region: str = "us-east-2", hour: str = "2026/11/02/10",
                name: str = "20261102T100100000Z_0123456789abcdef.json.gz") -> Path:
    path = root / "AWSLogs" / account / "BedrockModelInvocationLogs" / region / hour / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in records]
    path.write_bytes(gzip.compress(b"\n".join(lines) + b"\n", mtime=0))
    return path


def snapshot(lake: Path) -> dict[str, str]:
    """Every file under the lake's invocations/ and quarantine/ (stray temp files included),
    by relative path → sha256; {} for a lake without them."""
    return {
        p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("invocations", "quarantine")
        if (lake / sub).is_dir()
        for p in sorted((lake / sub).rglob("*"))
        if p.is_file()
    }
