"""The price list: Pydantic's ``genai-prices`` data, the project's small CSV, the user's CSV.

Three origins, loaded once per connection:
- ``genai-prices`` (the pinned package's *bundled* data, never a network update): the
  standard-mode rates of every AWS Bedrock model it knows, keyed by its own model IDs, with
  its matching rules (``price_model_match``) so SQL can map a logged model and profile to them;
- ``project`` (``queries/data/prices.csv``): only what genai-prices lacks (latency-optimized
  rates, models our samples and seeds use that it has no price for), each row with a public
  source; ``queries/data/service_tiers.csv`` holds the service-tier multipliers;
- the user's file (``--prices`` / ``BEDROCK_LOGBOOK_PRICES``), which always wins.

Reading files is kept apart from merging, so the merge rule is a pure function.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import Any

TOKEN_CLASSES = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
LATENCY_MODES = ("standard", "optimized", "*")
SERVICE_TIERS = ("priority", "flex")
COLUMNS = (
    "model", "latency_mode", "profile_scope", "region",
    "token_class", "effective_from", "usd_per_million", "source",
)
GENAI = "genai-prices"
PROJECT = "project"
PACKAGED = (GENAI, PROJECT)
# genai-prices gives a model's first price no start date: it applies from any date.
NO_START = dt.date(1970, 1, 1)
# genai-prices price keys -> our token classes (audio and request prices do not apply).
_GENAI_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "cache_write_1h_mtok": "cache_write_1h",
}
_MATCH_OPS = {"equals", "contains", "starts_with", "ends_with"}


# The price_list column is DECIMAL(18, 6); a price far above any real one (1e20) would not
# fit, and would break every page that prices requests.
MAX_USD_PER_MILLION = 1_000_000


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
    # The rate applies when the request's prompt tokens (input + cache read + cache write)
    # are at least this many: genai-prices' tiered prices ("above 200K input tokens").
    min_prompt_tokens: int = 0

    @property
    def key(self) -> tuple[str, str, str, str, str, dt.date, int]:
        return (
            self.model, self.latency_mode, self.profile_scope,
            self.region, self.token_class, self.effective_from, self.min_prompt_tokens,
        )


@dataclass(frozen=True)
class MatchRule:
    """One of genai-prices' rules mapping a model reference to its ``price_model``."""

    price_model: str
    rank: int  # genai-prices tries models in order; the first match wins
    op: str  # equals, contains, starts_with, ends_with (case-insensitive)
    pattern: str


@dataclass(frozen=True)
class TierRate:
    """A service tier's rate as a multiple of the model's default (standard) tier rate."""

    model: str
    service_tier: str
    multiplier: Decimal
    source: str
    origin: str


@dataclass(frozen=True)
class PriceTables:
    prices: list[PriceRow]
    matches: tuple[MatchRule, ...]
    tiers: list[TierRate]


def _any(value: str) -> str:
    """Empty and NULL mean "any", spelled '*' so keys compare with plain equality."""
    value = value.strip()
    return "*" if value in ("", "NULL", "null") else value


def _decimal(text: str, where: str, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise PriceFileError(f"{where}: {column} is not a number") from None
    if not value.is_finite() or not 0 <= value <= MAX_USD_PER_MILLION:
        raise PriceFileError(f"{where}: {column} must be a number from 0 to {MAX_USD_PER_MILLION}")
    return value


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
        price = _decimal(raw["usd_per_million"] or "", where, "usd_per_million")
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


def parse_tier_csv(text: str, origin: str) -> list[TierRate]:
    reader = csv.DictReader(text.splitlines())
    rows: list[TierRate] = []
    for line_no, raw in enumerate(reader, start=2):
        where = f"{origin}:{line_no}"
        tier = (raw.get("service_tier") or "").strip().lower()
        if tier not in SERVICE_TIERS:
            raise PriceFileError(f"{where}: service_tier must be one of {SERVICE_TIERS}")
        source = (raw.get("source") or "").strip()
        if not source:
            raise PriceFileError(f"{where}: source is empty")
        rows.append(TierRate(
            model=(raw.get("model") or "").strip(),
            service_tier=tier,
            multiplier=_decimal(raw.get("multiplier") or "", where, "multiplier"),
            source=source,
            origin=origin,
        ))
    return rows


def merge_prices(packaged: Iterable[PriceRow], user: Iterable[PriceRow]) -> list[PriceRow]:
    """Packaged rows overlaid by user rows: a user row replaces a packaged row with its key.

    (The SQL also ranks any applicable user row above every packaged one, so a user row wins
    even over a more specific packaged row: see invocations.sql.)
    """
    merged = {row.key: row for row in packaged}
    for row in user:
        merged[row.key] = row
    return sorted(merged.values(), key=lambda r: (r.key[:5], r.effective_from, r.origin))


# -- genai-prices -------------------------------------------------------------------------


def _aws_provider() -> Any:
    # The bundled snapshot only: genai_prices.data is the data shipped in the wheel.
    from genai_prices.data import providers

    (aws,) = [p for p in providers if p.id == "aws"]
    return aws


def genai_version() -> str:
    return version("genai-prices")


def _genai_source(provider: Any, model: Any) -> str:
    urls = ", ".join(provider.pricing_urls or [])
    text = f"genai-prices {genai_version()} aws/{model.id} ({urls})"
    if model.price_comments:
        text += f"; {model.price_comments}"
    return text


def _dated_prices(model: Any) -> Iterator[tuple[dt.date, Any]]:
    from genai_prices.types import ModelPrice, StartDateConstraint

    if isinstance(model.prices, ModelPrice):
        yield NO_START, model.prices
        return
    for conditional in model.prices:
        constraint = conditional.constraint
        if constraint is None:
            yield NO_START, conditional.prices
        elif isinstance(constraint, StartDateConstraint):
            yield constraint.start_date, conditional.prices
        # Time-of-day prices (off-peak discounts) do not exist for AWS; none to map.


# genai-prices' usage units nest (1-hour writes within cache writes, cache tokens within input):
# a class without its own rate is billed at its parent's rate.
_GENAI_PARENT = {"cache_read": "input", "cache_write": "input", "cache_write_1h": "cache_write"}


def _rates_by_class(prices: Any) -> dict[str, tuple[Any, str | None]]:
    """Each token class's genai-prices value, and the class whose rate it borrows (if any)."""
    rates: dict[str, tuple[Any, str | None]] = {}
    for key, token_class in _GENAI_KEYS.items():
        value = getattr(prices, key, None)
        if value is not None:
            rates[token_class] = (value, None)
    for token_class in ("cache_read", "cache_write", "cache_write_1h"):
        parent = _GENAI_PARENT[token_class]
        if token_class not in rates and parent in rates:
            value, borrowed = rates[parent]
            rates[token_class] = (value, borrowed or parent)
    return rates


@cache
def genai_price_rows() -> tuple[PriceRow, ...]:
    """Standard-mode, default-tier rates for every AWS Bedrock model in genai-prices."""
    from genai_prices.types import TieredPrices

    provider = _aws_provider()
    rows: list[PriceRow] = []
    for model in provider.models:
        source = _genai_source(provider, model)
        for effective_from, prices in _dated_prices(model):
            for token_class, (value, borrowed) in _rates_by_class(prices).items():
                steps = [(0, value)]
                if isinstance(value, TieredPrices):
                    # genai-prices: a tier applies when prompt tokens exceed ``start``.
                    steps = [(0, value.base)] + [(t.start + 1, t.price) for t in value.tiers]
                note = "" if borrowed is None else (
                    f" [no {token_class} rate: genai-prices bills these tokens at the "
                    f"{borrowed} rate]")
                for min_prompt_tokens, rate in steps:
                    rows.append(PriceRow(
                        model=model.id, latency_mode="standard", profile_scope="*",
                        region="*", token_class=token_class, effective_from=effective_from,
                        usd_per_million=Decimal(rate), source=source + note, origin=GENAI,
                        min_prompt_tokens=min_prompt_tokens,
                    ))
    return tuple(rows)


def _clauses(match: Any) -> Iterator[tuple[str, str]]:
    """genai-prices' match rule as (op, text) alternatives (AWS uses no AND and no regex)."""
    from genai_prices import types as t

    if isinstance(match, t.ClauseOr):
        for clause in match.or_:
            yield from _clauses(clause)
    elif isinstance(match, t.ClauseEquals):
        yield "equals", match.equals
    elif isinstance(match, t.ClauseContains):
        yield "contains", match.contains
    elif isinstance(match, t.ClauseStartsWith):
        yield "starts_with", match.starts_with
    elif isinstance(match, t.ClauseEndsWith):
        yield "ends_with", match.ends_with
    else:
        raise ValueError(f"genai-prices match rule not supported here: {match!r}")


@cache
def genai_match_rules() -> tuple[MatchRule, ...]:
    rules: list[MatchRule] = []
    for rank, model in enumerate(_aws_provider().models):
        for op, text in _clauses(model.match):
            assert op in _MATCH_OPS
            rules.append(MatchRule(model.id, rank, op, text.lower()))
    return tuple(rules)


# -- files -----------------------------------------------------------------------------------


def _data_text(name: str) -> str:
    return (resources.files("bedrock_logbook.queries") / "data" / name).read_text(
        encoding="utf-8")


def project_prices() -> list[PriceRow]:
    return parse_price_csv(_data_text("prices.csv"), PROJECT)


def project_tiers() -> list[TierRate]:
    return parse_tier_csv(_data_text("service_tiers.csv"), PROJECT)


def shipped_prices() -> list[PriceRow]:
    """Everything packaged: genai-prices' rows, then the project file's."""
    return [*genai_price_rows(), *project_prices()]


def user_prices(user_file: Path | None) -> list[PriceRow]:
    if user_file is None:
        return []
    if not user_file.is_file():
        raise PriceFileError(
            f"price file not found: {user_file} (set by --prices or BEDROCK_LOGBOOK_PRICES)"
        )
    data = user_file.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a BOM (spreadsheet exports) is not a column name
    except UnicodeDecodeError as e:
        raise PriceFileError(f"{user_file}: not UTF-8 text (byte {data[e.start]:#04x} at "
                             f"offset {e.start}); save it as UTF-8 CSV") from None
    return parse_price_csv(text, str(user_file))


def load_prices(user_file: Path | None = None) -> list[PriceRow]:
    """The effective price list: packaged, overridden/extended by ``user_file`` if given."""
    return merge_prices(shipped_prices(), user_prices(user_file))


def load_tables(user_file: Path | None = None) -> PriceTables:
    return PriceTables(load_prices(user_file), genai_match_rules(), project_tiers())
