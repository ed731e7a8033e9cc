"""Time windows for ``--since`` / ``--start`` / ``--end`` (pure; the clock is passed in).

An instant is ISO-8601 (``2024-11-20``, ``2024-11-20T16:00``, ``...Z`` or with an offset;
naive means UTC) or relative to now (``90m``, ``6h``, ``2d``, ``1w``: that long ago).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bedrock_logbook.ingest.sources.errors import SourceUsageError

_RELATIVE_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class TimeWindow:
    """[start, end) in UTC; None means open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    @property
    def bounded(self) -> bool:
        return self.start is not None or self.end is not None


def parse_instant(text: str, now: datetime, flag: str = "--start") -> datetime:
    m = _RELATIVE_RE.match(text)
    if m:
        return now - timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()])
    try:
        t = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise SourceUsageError(
            f"{flag}: cannot read {text!r}; use ISO-8601 (2024-11-20T16:00Z) "
            "or a duration ago (90m, 6h, 2d, 1w)"
        ) from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def resolve_window(
    now: datetime, since: str | None = None, start: str | None = None, end: str | None = None
) -> TimeWindow:
    if since is not None and start is not None:
        raise SourceUsageError("--since and --start both set a start; use one of them")
    t0 = parse_instant(since, now, "--since") if since is not None else None
    if start is not None:
        t0 = parse_instant(start, now, "--start")
    t1 = parse_instant(end, now, "--end") if end is not None else None
    if t0 is not None and t1 is not None and t1 <= t0:
        raise SourceUsageError(f"the window ends ({t1:%Y-%m-%dT%H:%M:%SZ}) before it starts")
    return TimeWindow(t0, t1)


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def hours_between(first: datetime, last: datetime) -> list[datetime]:
    """Every whole hour from floor(first) to floor(last), inclusive."""
    out: list[datetime] = []
    h, stop = floor_hour(first), floor_hour(last)
    while h <= stop:
        out.append(h)
        h += HOUR
    return out


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
