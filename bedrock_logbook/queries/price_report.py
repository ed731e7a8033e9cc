"""The effective price table, and one request's cost explained line by line.

Both read the connection's views, so what they show is what ``invocations`` computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

_EFFECTIVE = """
SELECT model, latency_mode, profile_scope, region, token_class, effective_from,
       min_prompt_tokens, usd_per_million, origin, source
FROM prices
ORDER BY model, latency_mode, profile_scope, region, token_class, effective_from,
         min_prompt_tokens
"""

_REQUEST = """
SELECT request_id, model_id, model, profile_scope, region, day, latency_mode,
       latency_mode_basis, service_tier, service_tier_multiplier, service_tier_source,
       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
       cache_write_5m_tokens, cache_write_1h_tokens,
       input_rate, output_rate, cache_read_rate, cache_write_rate, cache_write_1h_rate,
       input_rate_source, output_rate_source, cache_read_rate_source,
       cache_write_rate_source, cache_write_1h_rate_source,
       priced, cost_usd, price_source
FROM invocations
WHERE request_id = $request_id
"""


@dataclass(frozen=True)
class CostLine:
    token_class: str
    tokens: int
    usd_per_million: float | None
    usd: float | None
    source: str | None


@dataclass(frozen=True)
class CostExplanation:
    request_id: str
    facts: dict[str, Any]  # model, scope, region, day, mode, tier ... as the view saw them
    lines: list[CostLine]
    multiplier: float | None
    total_usd: float | None  # the sum of the lines times the tier multiplier
    cost_usd: float | None  # the invocations view's cost_usd, for comparison
    priced: bool
    price_source: str


def effective_prices(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = con.execute(_EFFECTIVE)
    return [d[0] for d in cur.description or ()], cur.fetchall()


def _split(row: dict[str, Any]) -> tuple[int, int]:
    """Cache-write tokens at the 5-minute and 1-hour rates (no split: all at 5 minutes)."""
    five, hour = row["cache_write_5m_tokens"], row["cache_write_1h_tokens"]
    if five is None and hour is None:
        return row["cache_write_tokens"] or 0, 0
    return five or 0, hour or 0


def explain(con: duckdb.DuckDBPyConnection, request_id: str) -> CostExplanation | None:
    """How ``request_id``'s cost was computed, or None when the lake has no such request."""
    cur = con.execute(_REQUEST, {"request_id": request_id})
    names = [d[0] for d in cur.description or ()]
    found = cur.fetchone()
    if found is None:
        return None
    row = dict(zip(names, found, strict=True))
    write_5m, write_1h = _split(row)
    classes = (
        ("input", row["input_tokens"] or 0, "input"),
        ("output", row["output_tokens"] or 0, "output"),
        ("cache_read", row["cache_read_tokens"] or 0, "cache_read"),
        ("cache_write (5 min)", write_5m, "cache_write"),
        ("cache_write (1 hour)", write_1h, "cache_write_1h"),
    )
    lines: list[CostLine] = []
    for label, tokens, column in classes:
        rate = row[f"{column}_rate"]
        if tokens == 0 and rate is None:
            continue
        usd = None if rate is None else tokens * rate / 1e6
        lines.append(CostLine(label, tokens, rate, usd, row[f"{column}_rate_source"]))
    multiplier = row["service_tier_multiplier"]
    total = None
    if row["priced"] and multiplier is not None:
        total = multiplier * sum(line.usd or 0.0 for line in lines)
    facts = {k: row[k] for k in (
        "model_id", "model", "profile_scope", "region", "day", "latency_mode",
        "latency_mode_basis", "service_tier", "service_tier_source")}
    return CostExplanation(
        request_id=row["request_id"], facts=facts, lines=lines, multiplier=multiplier,
        total_usd=total, cost_usd=row["cost_usd"], priced=bool(row["priced"]),
        price_source=row["price_source"],
    )


def explanation_text(e: CostExplanation) -> list[str]:
    """The explanation as plain lines for a terminal."""
    out = [f"request {e.request_id}"]
    out += [f"  {k}: {'NULL' if v is None else v}" for k, v in e.facts.items()]
    out.append(f"  {'token class':<22}{'tokens':>10}  {'USD/1M':>10}  {'USD':>12}  source")
    for line in e.lines:
        rate = "no rate" if line.usd_per_million is None else f"{line.usd_per_million:g}"
        usd = "-" if line.usd is None else f"{line.usd:.8f}"
        out.append(f"  {line.token_class:<22}{line.tokens:>10}  {rate:>10}  {usd:>12}  "
                   f"{line.source or '-'}")
    if e.multiplier not in (None, 1.0):
        out.append(f"  x service tier multiplier {e.multiplier:g}")
    if e.priced and e.total_usd is not None:
        out.append(f"  sum: {e.total_usd:.8f} USD (invocations.cost_usd = {e.cost_usd:.8f})")
    else:
        out.append("  sum: NULL (unpriced)")
    out.append(f"  price_source: {e.price_source}")
    return out
