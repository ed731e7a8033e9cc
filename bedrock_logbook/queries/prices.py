"""The price list: the CSV shipped with the package, merged with the user's own file.

Reading files is kept apart from merging, so the merge rule (a user row replaces a shipped
row with the same key) is a pure function.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

TOKEN_CLASSES = ("input", "output", "cache_read", "cache_write")
LATENCY_MODES = ("standard", "optimized", "*")
COLUMNS = (
    "model", "latency_mode", "profile_scope", "region",
    "token_class", "effective_from", "usd_per_million", "source",
)
SHIPPED = "shipped"


class PriceFileError(ValueError):
    """A price CSV has a row we cannot use; the message names the file and line."""


@dataclass(frozen=True)
class PriceRow:
    model: str
    latency_mode: str
    profile_scope: str
    region: str
    token_class: str
    effective_from: dt.date
    usd_per_million: Decimal
    source: str
    origin: str

    @property
    def key(self) -> tuple[str, str, str, str, str, dt.date]:
        return (
            self.model, self.latency_mode, self.profile_scope,
            self.region, self.token_class, self.effective_from,
        )


def _any(value: str) -> str:
    """Empty and NULL mean "any", spelled '*' so keys compare with plain equality."""
    value = value.strip()
    return "*" if value in ("", "NULL", "null") else value


def parse_price_csv(text: str, origin: str) -> list[PriceRow]:
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise PriceFileError(f"{origin}: missing column(s) {', '.join(missing)}")
    rows: list[PriceRow] = []
    for line_no, raw in enumerate(reader, start=2):
        where = f"{origin}:{line_no}"
        model = (raw["model"] or "").strip()
        if not model:
            raise PriceFileError(f"{where}: model is empty")
        mode = _any(raw["latency_mode"] or "").lower()
        if mode not in LATENCY_MODES:
            raise PriceFileError(f"{where}: latency_mode must be one of {LATENCY_MODES}")
        token_class = (raw["token_class"] or "").strip()
        if token_class not in TOKEN_CLASSES:
            raise PriceFileError(f"{where}: token_class must be one of {TOKEN_CLASSES}")
        try:
            effective_from = dt.date.fromisoformat((raw["effective_from"] or "").strip())
        except ValueError:
            raise PriceFileError(f"{where}: effective_from must be YYYY-MM-DD") from None
        try:
            price = Decimal((raw["usd_per_million"] or "").strip())
        except InvalidOperation:
            raise PriceFileError(f"{where}: usd_per_million is not a number") from None
        if not price.is_finite() or price < 0:
            raise PriceFileError(f"{where}: usd_per_million must be a number >= 0")
        rows.append(PriceRow(
            model=model,
            latency_mode=mode,
            profile_scope=_any(raw["profile_scope"] or "").lower(),
            region=_any(raw["region"] or "").lower(),
            token_class=token_class,
            effective_from=effective_from,
            usd_per_million=price,
            source=(raw["source"] or "").strip() or origin,
            origin=origin,
        ))
    return rows


def merge_prices(shipped: Iterable[PriceRow], user: Iterable[PriceRow]) -> list[PriceRow]:
    """Shipped rows overlaid by user rows: a user row replaces a shipped row with its key."""
    merged = {row.key: row for row in shipped}
    for row in user:
        merged[row.key] = row
    return sorted(merged.values(), key=lambda r: (r.key[:5], r.effective_from))


def shipped_prices() -> list[PriceRow]:
    shipped = resources.files("bedrock_logbook.queries") / "data" / "prices.csv"
    text = shipped.read_text(encoding="utf-8")
    return parse_price_csv(text, SHIPPED)


def load_prices(user_file: Path | None = None) -> list[PriceRow]:
    """The effective price list: shipped, overridden/extended by ``user_file`` if given."""
    user: list[PriceRow] = []
    if user_file is not None:
        if not user_file.is_file():
            raise PriceFileError(
                f"price file not found: {user_file} (set by --prices or BEDROCK_LOGBOOK_PRICES)"
            )
        user = parse_price_csv(user_file.read_text(encoding="utf-8"), str(user_file))
    return merge_prices(shipped_prices(), user)
