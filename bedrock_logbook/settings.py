"""One settings object for every entry point.

Precedence: command-line flag > ``BEDROCK_LOGBOOK_*`` environment variable > default.
Errors name the flag and the variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "BEDROCK_LOGBOOK_"
LATENCY_FIELD_READINGS = ("applied", "requested")  # same as ingest.latency_mode's


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message says what to set."""


class FlagValueError(SettingsError):
    """The unusable value came from a command-line flag (a usage error, not configuration)."""


@dataclass(frozen=True)
class Settings:
    # A local folder or s3://BUCKET/PREFIX (kept as text: Path would turn s3:// into s3:/).
    lake: str = "lake"
    prices: Path | None = None  # a CSV of negotiated prices that overrides/extends the shipped one
    workers: int = 2
    keep_bodies: bool = False
    salt: str | None = None  # fingerprint salt; default: a random salt kept in the lake
    # How the log's top-level performanceConfig is read: 'applied' (the mode Bedrock applied,
    # default) or 'requested' (the mode the caller asked for). docs/served-latency.md.
    latency_field: str = "applied"
    catalog: str | None = None  # Iceberg catalog: glue, rest:URI, sql:URL; default by lake kind

    @classmethod
    def load(
        cls, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = ENV_PREFIX + f.name.upper()
            if var in env and env[var] != "":
                values[f.name] = _coerce(f.name, env[var], f"environment variable {var}")
        for name, value in overrides.items():
            if value is not None:
                try:
                    values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
                except SettingsError as e:
                    raise FlagValueError(str(e)) from None
        return replace(cls(), **values)


def _coerce(name: str, value: Any, where: str) -> Any:
    if name == "lake":
        return str(value)
    if name == "prices":
        return Path(value)
    if name == "workers":
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: workers must be a whole number, got {value!r}") from None
        if not 1 <= n <= 64:
            raise SettingsError(f"{where}: workers must be between 1 and 64, got {n}")
        return n
    if name == "keep_bodies":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{where}: expected true/false, got {value!r}")
    if name == "latency_field":
        text = str(value).strip().lower()
        if text not in LATENCY_FIELD_READINGS:
            raise SettingsError(f"{where}: latency_field must be 'applied' or 'requested', "
                                f"got {value!r}")
        return text
    return str(value)
