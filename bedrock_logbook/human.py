"""Numbers and tables for people to read: ``sql --format table`` and ``bedrock-logbook summary``.

Only what is printed for reading is rounded; CSV and JSON output keep full precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC
from decimal import Decimal
from typing import Any


def human_number(value: float | Decimal) -> str:
    """A float as a person would write it: two decimals at 1 and above (24123.690000000075 ->
    24123.69, 3668.0 -> 3668), three significant digits below 1 (0.000812345 -> 0.000812)."""
    x = float(value)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1:
        text = f"{x:.2f}"
    else:
        decimals = 2 - math.floor(math.log10(abs(x)))  # three significant digits
        text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float | Decimal):
        return human_number(value)
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def format_table(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Iterator[str]:
    """Aligned text columns; numeric columns are right-aligned so digits line up."""
    cells = [[cell(v) for v in row] for row in rows]
    numeric = [all(_is_number(r[i]) for r in rows if r[i] is not None) and
               any(r[i] is not None for r in rows) for i in range(len(names))]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    yield line(list(names))
    yield "  ".join("-" * w for w in widths)
    for r in cells:
        yield line(r)


def compact_count(n: int | float) -> str:
    """1234567 -> 1.23M, 45600 -> 45.6k, 950 -> 950."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{human_number(n / size) if n / size < 100 else round(n / size)}{suffix}"
    return str(int(n))


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f}%"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def summary_lines(row: Mapping[str, Any]) -> list[str]:
    """A few lines on what a lake holds, from one ``summary_overview`` row."""
    requests = int(row["requests"])
    if requests == 0:
        return ["no requests in the lake yet"]
    first, last = (row[k].astimezone(UTC) for k in ("first_ts", "last_ts"))
    unpriced = int(row["unpriced_requests"])
    return [
        f"{requests:,} requests from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC",
        f"tokens: {compact_count(row['input_tokens'])} in, {compact_count(row['output_tokens'])}"
        f" out, {compact_count(row['cache_read_tokens'])} cache read, "
        f"{compact_count(row['cache_write_tokens'])} cache write",
        f"cost: ${row['cost_usd']:,.2f} for priced requests"
        + (f"; {unpriced:,} requests unpriced (no price for their model)" if unpriced else ""),
        f"latency p50 {_ms(row['p50_latency_ms'])}, p99 {_ms(row['p99_latency_ms'])}; "
        f"errors {_pct(row['error_rate'])}; served optimized {_pct(row['share_optimized'])}; "
        f"cross-region {_pct(row['share_cross_region'])}",
    ]
