"""Tables as people read them: human column names, formatted numbers ($, %, ms, counts),
readable model names beside the full ID, and "—" where a value is missing (never "None")."""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
import streamlit as st

from bedrock_logbook.dashboard.names import ModelColours

Kind = Literal["text", "count", "money", "share", "ms", "number", "time", "pct_points"]
MISSING = "—"

# column -> (label, kind). Columns not listed keep a tidied name and are shown as they are.
COLUMNS: dict[str, tuple[str, Kind]] = {
    "model": ("Model", "text"),
    "model_id": ("Model ID", "text"),
    "model_name": ("Model", "text"),
    "served_mode": ("Served mode", "text"),
    "requested_mode": ("Requested mode", "text"),
    "profile_scope": ("Profile scope", "text"),
    "requests": ("Requests", "count"),
    "n": ("Requests fitted (n)", "count"),
    "errors": ("Errors", "count"),
    "throttles": ("Throttles", "count"),
    "interventions": ("Guardrail interventions", "count"),
    "input_tokens": ("Input tokens", "count"),
    "output_tokens": ("Output tokens", "count"),
    "cache_read_tokens": ("Cache-read tokens", "count"),
    "cache_write_tokens": ("Cache-write tokens", "count"),
    "cache_hit_ratio": ("Cache hit ratio", "share"),
    "cache_read_savings_usd": ("Saved by cache reads", "money"),
    "cache_write_premium_usd": ("Cache-write premium", "money"),
    "cost_usd": ("Cost", "money"),
    "all_standard_usd": ("All standard (list)", "money"),
    "all_optimized_usd": ("All optimized (list)", "money"),
    "optimized_premium": ("Optimized premium", "share"),
    "served_optimized": ("Served optimized", "count"),
    "standard_p50_latency_ms": ("Standard p50", "ms"),
    "optimized_p50_latency_ms": ("Optimized p50", "ms"),
    "priced": ("Priced", "text"),
    "price_source": ("Price source", "text"),
    "ms_per_output_token": ("ms per output token", "number"),
    "intercept_ms": ("Intercept (≈ first token)", "ms"),
    "r2": ("r²", "number"),
    "decode_tokens_per_s": ("Decode speed (tokens/s)", "number"),
    "largest_output_tokens": ("Largest output", "count"),
    "run_id": ("Run", "text"),
    "table_name": ("Derived table", "text"),
    "state": ("State", "text"),
    "what_it_means": ("What it means", "text"),
    "started_at": ("Started (UTC)", "time"),
    "finished_at": ("Finished (UTC)", "time"),
    "seconds": ("Seconds", "number"),
    "source": ("Source", "text"),
    "objects": ("Objects", "count"),
    "skipped_objects": ("Skipped objects", "count"),
    "lines": ("Lines", "count"),
    "rows_written": ("Rows written", "count"),
    "duplicates": ("Duplicates", "count"),
    "conflicting": ("Conflicting", "count"),
    "quarantined": ("Quarantined", "count"),
    "bytes_in": ("Bytes read", "count"),
    "source_line": ("Line", "count"),
    "reason": ("Reason", "text"),
    "detail": ("Detail", "text"),
    "request_id": ("Request ID", "text"),
    "ts": ("Time (UTC)", "time"),
    "operation": ("Operation", "text"),
    "caller": ("Caller", "text"),
    "account_id": ("Account", "text"),
    "region": ("Source region", "text"),
    "inference_region": ("Inference region", "text"),
    "latency_ms": ("Latency", "ms"),
    "first_byte_ms": ("First byte", "ms"),
    "error_code": ("Error", "text"),
    "guardrail_action": ("Guardrail", "text"),
    "newest_record": ("Newest record (UTC)", "time"),
    "hours_behind_newest": ("Hours behind the newest source", "number"),
    "newest_ts_age_hours": ("Age (hours)", "number"),
    "standard_requests": ("Standard requests", "count"),
    "optimized_requests": ("Optimized requests", "count"),
    "paired_prompts": ("Prompts run both ways", "count"),
    "latency_improvement_pct": ("Paired latency gain (%)", "number"),
    "p50_latency_improvement_pct": ("p50 gain (%)", "number"),
    "standard_mean_output_tokens_per_s": ("Standard tokens/s (mean)", "number"),
    "optimized_mean_output_tokens_per_s": ("Optimized tokens/s (mean)", "number"),
    "standard_list_usd_per_1k_output": ("Standard $ per 1K output", "number"),
    "optimized_list_usd_per_1k_output": ("Optimized $ per 1K output", "number"),
    "standard_observed_usd_per_request": ("Standard $ per request", "number"),
    "optimized_observed_usd_per_request": ("Optimized $ per request", "number"),
    "standard_requests_with_latency": ("Standard with latency", "count"),
    "optimized_requests_with_latency": ("Optimized with latency", "count"),
    "prompt_fp": ("Prompt fingerprint", "text"),
    "standard_calls": ("Standard calls", "count"),
    "optimized_calls": ("Optimized calls", "count"),
    "standard_mean_latency_ms": ("Standard mean", "ms"),
    "optimized_mean_latency_ms": ("Optimized mean", "ms"),
    "latency_improvement": ("Latency gain", "share"),
    "p50_latency_ms": ("p50 latency", "ms"),
    "p99_latency_ms": ("p99 latency", "ms"),
    "requests_with_latency": ("Requests with latency", "count"),
    "share_cross_region": ("Cross-region share", "share"),
    "cost_per_1k_requests_usd": ("Cost per 1K requests", "money"),
    "metadata_key": ("Tag", "text"),
    "metadata_value": ("Value", "text"),
    "unpriced_requests": ("Unpriced requests", "count"),
    "priced_share": ("Priced share", "share"),
}

_FORMAT: dict[str, str] = {"count": "localized", "money": "dollar", "share": "percent"}


def _label(column: str) -> str:
    return COLUMNS.get(column, (column.replace("_", " ").capitalize(), "text"))[0]


def _missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: Any, kind: Kind) -> str:
    """One cell as text (used where a numeric column has gaps)."""
    if _missing(value):
        return MISSING
    if kind == "count":
        return f"{int(value):,}"
    if kind == "money":
        return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "ms":
        return f"{value:,.0f} ms"
    if kind == "number":
        return f"{value:,.2f}"
    if kind == "time":
        return f"{pd.Timestamp(value):%Y-%m-%d %H:%M:%S}"
    return str(value)


def present(frame: pd.DataFrame, colours: ModelColours | None = None,
            hide: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` with readable names and the column_config that formats it."""
    out = frame.drop(columns=[c for c in hide if c in frame.columns])
    if colours is not None and "model" in out.columns and "model_name" not in out.columns:
        position = list(out.columns).index("model")
        out = out.rename(columns={"model": "model_id"} if "model_id" not in out.columns
                         else {"model": "model_full"})
        out.insert(position, "model_name", [colours.label(m) for m in frame["model"]])
        out = out.drop(columns=["model_full"], errors="ignore")
    config: dict[str, Any] = {}
    shown = pd.DataFrame(index=out.index)
    for column in out.columns:
        label = _label(column)
        kind = COLUMNS.get(column, ("", "text"))[1]
        values = out[column]
        numeric = kind in ("count", "money", "share", "ms", "number")
        if numeric and values.isna().any() or kind in ("time", "ms", "number"):
            shown[label] = [format_value(v, kind) for v in values]
        elif numeric:
            shown[label] = values
            config[label] = st.column_config.NumberColumn(label, format=_FORMAT[kind])
        else:
            shown[label] = [MISSING if _missing(v) else v for v in values]
    return shown, config
