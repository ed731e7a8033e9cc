"""A synthetic lake in the real lake layout, built with numpy + Arrow (no JSON, no pipeline):
the invocations in the Iceberg table, plus run and quarantine files, and (for the benchmark)
the rollup tables and any other per-day derived table (``DAY_TABLES``).

Used by the dashboard tests (a few thousand rows) and by ``bench/dashboard_bench.py``
(10 to 100 million rows). Values follow the lake contract in ``ingest/schema.py``: lower-case
latency modes, NULL latency for InvokeModel calls, profile scopes, cross-region routing,
fallbacks from optimized to standard, errors, throttles, guardrail interventions, cache
tokens, tokens missing, requestMetadata tags, prompt fingerprints, a run record and a few
quarantined lines.

The traffic's shape (why the rollups are as small as a real account's)
----------------------------------------------------------------------
Requests are not drawn as uniform random callers x regions x profiles x operations (that made
the daily rollup ~13,000 rows a day, as large as the raw table): they come from ``APPS``, a
fixed set of applications as a real account has them. Each application is one IAM role (or
user) in one account, calling from one source Region through one operation and one profile
setup (direct model ID, or one ``us.``/``eu.``/``global.`` profile), to one to three models.
Where each fact comes from (the project's reference shelf, not shipped):

- Accounts: 2 (production and a sandbox where two engineers try models). Seed 003's records
  are all from one account; the issue asks for an account breakdown, so two.
- Applications: 10, each a role or user name as ``identity.arn`` gives it (seed 003:
  ``assumed-role/ltncy-optmzd-infrnc-agents-role-us-east-2/BedrockAgents-...``; real_logs 06
  and 09: one role per workload). 1-3 models each (17 app x model pairs), operation fixed
  per application (an SDK call site uses one API).
- Regions and routes (log-format.md section 0 and 7): source Regions us-east-2, us-east-1,
  us-west-2, eu-west-3; ``us.`` profiles serve in us-east-1/us-east-2/us-west-2, mostly in
  the source Region (seed 003: optimized calls us-east-2 -> us-east-2; also seen us-east-2 ->
  us-west-2, us-east-1 -> us-west-2); ``eu.`` eu-west-3 -> eu-central-1 (seed 004);
  ``global.`` us-west-2 -> us-east-1/us-east-2 (real_logs 09/10). Direct calls are served in
  the source Region. (The ``global.`` application uses models that have no global profile
  in reality: it stands for the newer models that do, so the scope has data.)
- Latency-optimized (section 4.2, seeds 000/001/003): only Claude 3.5 Haiku and Llama 3.1 70B,
  through ``us.`` profiles from us-east-2, served in us-east-2/us-west-2. Two applications
  ask for it (24% of all requests): the chat front end on every request (6% of optimized
  requests fall back to standard: quota; 4% have no logged served mode), and an evaluation
  job that runs its prompts both ways the same day (an A/B test: a pool of n/4 prompts a day,
  ~4 runs each, 50% optimized: ~76% of its prompts ran in both modes, measured on one
  274,000-request day). Optimized decodes 1.9x faster (seed 000: 1.88x output).
- Errors are rare and bursty: throttles come in 10-30 minute bursts (2-3 a day for the two
  applications that hit their quota, 30% of their requests inside a burst) over a base rate
  of 0.05%; ValidationException 0.03% and ServiceUnavailableException 0.02% everywhere
  (0.6% of all requests failed on that measured day).
  Guardrails on the two customer-facing applications (0.4% intervened: stop reason
  ``guardrail_intervened``, 0 output tokens as in real_logs 02). Tokens missing on 3% of the
  agent's InvokeModel calls. Cache reads on 40% and cache writes on 5% of the calls of the
  three applications that cache a long system prompt (Claude and Nova models only).
- Time of day: interactive applications follow office hours (peak ~15:00 UTC), batch ones
  are flat. Tags: ``requestMetadata`` ``team`` (search/support/research) on 7 of the 10
  applications, all or none of an application's requests (a call site sets it or not).
- Prompt fingerprints: unique per request, except the A/B job's (a pool of n/4 prompts a
  day); ``system_prompt_fp`` is one per application.

Resulting size at 333,333 requests a day (10M over 30 days, measured): see bench/README.md.

Building 100 million requests in minutes
----------------------------------------
``write_lake(..., rollups=True)`` generates ``patterns`` distinct days (a weekly pattern by
default) in 2 processes, rolls each up with ingest's ``build_rollup``/``daily_rollup`` and
builds every ``DAY_TABLES`` entry from it; then it writes day i as pattern i mod ``patterns``
with only the columns that change rewritten (``ts`` moved to its date, ``request_id``,
``source``, ``source_line``) with pyarrow compute, one Parquet file per day in 2 processes
(memory: one day per process), registered in one snapshot per 31 days. The derived tables
are the pattern's, moved to the day (every date/timestamp column shifted), so they equal
what their builders give for the raw table.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bedrock_logbook.ingest.prompt_pairs import build_prompt_pairs
from bedrock_logbook.ingest.schema import (
    INVOCATIONS_SCHEMA,
    QUARANTINE_DIR,
    QUARANTINE_SCHEMA,
    RUNS_DIR,
)
from bedrock_logbook.ingest.table import (
    append,
    commit_files,
    file_schema,
    open_table,
    write_data_file,
)
from bedrock_logbook.ingest.tag_rollup import build_tag_rollup
from bedrock_logbook.lake.location import (
    NAMESPACE,
    PARTITION_FIELD,
    PROMPT_PAIRS_TABLE,
    ROLLUP_DAILY_TABLE,
    ROLLUP_HOURLY_TABLE,
    TABLE_NAME,
    TAG_ROLLUP_TABLE,
    file_uri,
    resolve,
)
from tests.lake_fixtures import snapshot_properties


@dataclass(frozen=True)
class ModelSpec:
    model: str
    optimized: bool  # offers latency-optimized inference
    ms_per_token: float  # standard decode time per output token
    base_ms: float
    usd_in: float  # per million tokens, standard
    usd_out: float
    caches: bool  # prompt caching (Claude, Nova)


MODELS = (
    ModelSpec("anthropic.claude-3-5-haiku-20241022-v1:0", True, 17.0, 450, 0.8, 4.0, True),
    ModelSpec("meta.llama3-1-70b-instruct-v1:0", True, 14.0, 300, 0.72, 0.72, False),
    ModelSpec("anthropic.claude-3-5-sonnet-20241022-v2:0", False, 22.0, 700, 3.0, 15.0, True),
    ModelSpec("amazon.nova-lite-v1:0", False, 6.0, 250, 0.06, 0.24, True),
    ModelSpec("ai21.jamba-1-5-mini-v1:0", False, 9.0, 300, 0.0, 0.0, False),  # left unpriced
)
HAIKU, LLAMA_70B, SONNET, NOVA_LITE, JAMBA = (m.model for m in MODELS)
ACCOUNTS = ("123456789012", "210987654321")  # production, sandbox
PROD, SANDBOX = ACCOUNTS
OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")
# Where a profile serves a source Region's requests (log-format.md section 7), with shares.
ROUTES: dict[tuple[str, str], tuple[tuple[str, ...], tuple[float, ...]]] = {
    ("us", "us-east-2"): (("us-east-2", "us-east-1", "us-west-2"), (0.6, 0.25, 0.15)),
    ("us", "us-east-1"): (("us-east-1", "us-east-2", "us-west-2"), (0.6, 0.25, 0.15)),
    ("us", "us-west-2"): (("us-west-2", "us-east-1", "us-east-2"), (0.6, 0.2, 0.2)),
    ("eu", "eu-west-3"): (("eu-west-3", "eu-central-1", "eu-west-1"), (0.5, 0.35, 0.15)),
    ("global", "us-west-2"): (("us-west-2", "us-east-1", "us-east-2"), (0.5, 0.3, 0.2)),
}
OPTIMIZED_REGIONS = (("us-east-2", "us-west-2"), (0.8, 0.2))  # log-format.md 4.2
# The values ingest writes (ingest/latency_mode.py): the lake must look like a real one.
FALLBACK_REASONS = ("quota_or_capacity", "token_limit")
TEAMS = ("search", "support", "research")
OPTIMIZED_SPEEDUP = 1.9  # seed 000: optimized decodes ~1.9x faster
FALLBACK_RATE = 0.06  # optimized requests served standard (quota)
UNKNOWN_SERVED_RATE = 0.04  # optimized requests whose served mode is not logged
THROTTLE_BASE, THROTTLE_IN_BURST = 0.0005, 0.3
OTHER_ERRORS = (("ValidationException", 0.0003), ("ServiceUnavailableException", 0.0002))
GUARDRAIL_RATE = 0.004
CACHE_READ_RATE, CACHE_WRITE_RATE = 0.4, 0.05


@dataclass(frozen=True)
class App:
    """One application: a role (or user) in one account, one Region, one operation, one
    profile setup (``scope`` None: direct model IDs), a few models."""

    caller: str
    account: str
    region: str
    operation: str
    scope: str | None
    share: float  # of all requests
    models: tuple[tuple[str, float], ...]
    team: str | None  # requestMetadata team tag on every request; None: untagged
    optimized: float = 0.0  # share of its requests asking for latency-optimized
    ab_test: bool = False  # each prompt run in both modes the same day
    guardrail: bool = False
    cache: bool = False  # caches a long system prompt
    throttle_bursts: int = 0  # quota bursts a day
    batch: bool = False  # flat over the day (else office hours)
    tokens_missing: float = 0.0  # successful calls logged without token counts
    input_mu: float = 6.5  # lognormal(mu, 0.9) input tokens
    output_mu: float = 5.5  # lognormal(mu, 0.7) output tokens
    user: bool = False  # an IAM user, not a role


APPS = (
    App("chat-frontend", PROD, "us-east-2", "ConverseStream", "us", 0.22, ((HAIKU, 1.0),),
        "support", optimized=1.0, guardrail=True, cache=True, throttle_bursts=2),
    App("support-bot", PROD, "us-east-1", "Converse", "us", 0.18,
        ((HAIKU, 0.7), (SONNET, 0.3)), "support", guardrail=True, cache=True),
    App("etl-batch", PROD, "us-west-2", "InvokeModel", None, 0.20,
        ((NOVA_LITE, 0.8), (HAIKU, 0.2)), "research", throttle_bursts=3, batch=True),
    App("doc-summarizer", PROD, "eu-west-3", "Converse", "eu", 0.10, ((SONNET, 1.0),),
        "search", cache=True, input_mu=7.5),
    App("search-rag", PROD, "us-west-2", "InvokeModelWithResponseStream", "global", 0.12,
        ((SONNET, 0.6), (NOVA_LITE, 0.4)), "search", input_mu=7.8, output_mu=5.0),
    App("eval-runner", PROD, "us-east-2", "Converse", "us", 0.05,
        ((LLAMA_70B, 0.6), (HAIKU, 0.4)), "research", optimized=0.5, ab_test=True,
        batch=True),
    App("analytics-agent", PROD, "us-west-2", "InvokeModel", None, 0.06, ((LLAMA_70B, 1.0),),
        None, tokens_missing=0.03),
    App("ticket-classifier", PROD, "us-east-1", "InvokeModel", None, 0.03, ((JAMBA, 1.0),),
        "support", input_mu=6.0, output_mu=2.5),
    App("alice", SANDBOX, "us-east-1", "Converse", None, 0.02,
        ((JAMBA, 0.4), (SONNET, 0.3), (NOVA_LITE, 0.3)), None, user=True),
    App("bob", SANDBOX, "us-west-2", "ConverseStream", "us", 0.02,
        ((HAIKU, 0.5), (LLAMA_70B, 0.5)), None, user=True),
)
SESSIONS = 4  # assumed-role session names per role (caller_arn only; the rollups drop it)
_OFFICE = 0.3 + np.exp(-(((np.arange(24) - 15) / 4.0) ** 2))
OFFICE_HOURS = _OFFICE / _OFFICE.sum()  # share of an interactive app's requests per UTC hour

# Tables built from one day's raw rows beside the rollups (rollup_hourly, rollup_daily and,
# through tests/rollup_lake.write_rollups, what it derives from them): one entry per table,
# (table name, builder from the day's raw rows in the lake schema to the table's rows).
# The builder's rows must carry a ``day`` DATE column (the partition); every date and
# timestamp column is moved with the day.
DayTableBuilder = Callable[[pa.Table], pa.Table]
DAY_TABLES: list[tuple[str, DayTableBuilder]] = [(PROMPT_PAIRS_TABLE, build_prompt_pairs),
                                                 (TAG_ROLLUP_TABLE, build_tag_rollup)]


def describe_shape() -> str:
    """One line on the traffic's shape, for the benchmark's header."""
    pairs = sum(len(a.models) for a in APPS)
    optimized = sum(a.share * a.optimized for a in APPS)
    tagged = sum(a.share for a in APPS if a.team)
    return (f"traffic: {len(ACCOUNTS)} accounts, {len(APPS)} apps (role/user x Region x "
            f"operation x profile), {pairs} app x model pairs over {len(MODELS)} models; "
            f"optimized requested on {optimized:.0%} (A/B job runs prompts both ways); "
            f"throttles in bursts (base {THROTTLE_BASE:.2%}), guardrail "
            f"{GUARDRAIL_RATE:.1%} of 2 apps; tagged {tagged:.0%}")


def _hexes(values: np.ndarray) -> pa.Array:
    return pa.array([f"{v:016x}" for v in values.tolist()], pa.string())


def _day_table(rng: np.random.Generator, day: date, n: int, first_line: int) -> pa.Table:
    """One UTC day of ``n`` requests from ``APPS``, ordered by time; lines from
    ``first_line``."""
    shares = np.array([a.share for a in APPS])
    app = rng.choice(len(APPS), size=n, p=shares / shares.sum())
    names = [m.model for m in MODELS]
    model = np.zeros(n, np.int64)
    seconds = np.zeros(n, np.int64)
    inference = np.empty(n, object)
    optimized_served_region = rng.choice(OPTIMIZED_REGIONS[0], size=n, p=OPTIMIZED_REGIONS[1])
    requested_opt = np.zeros(n, bool)
    throttle_p = np.full(n, THROTTLE_BASE)
    prompt_fp: np.ndarray = rng.integers(0, 2**64, n, dtype=np.uint64)
    for a, spec in enumerate(APPS):
        mask = app == a
        m = int(mask.sum())
        if not m:
            continue
        idx = [names.index(name) for name, _ in spec.models]
        weights = np.array([w for _, w in spec.models])
        model[mask] = np.array(idx)[rng.choice(len(idx), size=m, p=weights / weights.sum())]
        hours = (rng.integers(0, 24, m) if spec.batch
                 else rng.choice(24, size=m, p=OFFICE_HOURS))
        seconds[mask] = hours * 3600 + rng.integers(0, 3600, m)
        if spec.scope is None:
            inference[mask] = spec.region
        else:
            targets, p = ROUTES[(spec.scope, spec.region)]
            inference[mask] = rng.choice(targets, size=m, p=p)
        requested_opt[mask] = rng.random(m) < spec.optimized
        for _ in range(spec.throttle_bursts):  # a burst where this app's traffic is
            start = seconds[mask][rng.integers(0, m)]
            length = rng.integers(600, 1800)
            burst = mask & (seconds >= start) & (seconds < start + length)
            throttle_p[burst] = THROTTLE_IN_BURST
        if spec.ab_test:  # a pool of prompts, each run ~4 times, either mode
            pool = rng.integers(0, max(1, m // 4), m)
            key = (day.toordinal() * 1_000_003 + pool).astype(np.uint64)
            prompt_fp[mask] = key * np.uint64(0x9E3779B97F4A7C15)  # wraps: a 64-bit mix
    region = np.array([a.region for a in APPS])[app]
    scope = np.array([a.scope or "" for a in APPS])[app]
    direct = scope == ""
    optimizable = np.array([m.optimized for m in MODELS])[model]
    requested_opt &= optimizable
    fell_back = requested_opt & (rng.random(n) < FALLBACK_RATE)
    # Only an optimized request can have an unknowable served mode (docs/served-latency.md).
    unknown_served = requested_opt & ~fell_back & (rng.random(n) < UNKNOWN_SERVED_RATE)
    served_opt = requested_opt & ~fell_back
    inference = np.where(served_opt, optimized_served_region, inference).astype(str)
    cross_region = inference != region
    reason = np.array(FALLBACK_REASONS)[(rng.random(n) < 0.1).astype(np.int64)]

    operation_idx = np.array([OPERATIONS.index(a.operation) for a in APPS])[app]
    input_mu = np.array([a.input_mu for a in APPS])[app]
    output_mu = np.array([a.output_mu for a in APPS])[app]
    input_tokens = (rng.lognormal(input_mu, 0.9) + 10).astype(np.int64)
    output_tokens = np.minimum((rng.lognormal(output_mu, 0.7) + 5).astype(np.int64), 4096)

    draw = rng.random(n)
    error = np.full(n, "", object)
    error[draw < throttle_p] = "ThrottlingException"
    floor = throttle_p
    for code, rate in OTHER_ERRORS:
        error[(draw >= floor) & (draw < floor + rate)] = code
        floor = floor + rate
    failed = error != ""
    guarded = np.array([a.guardrail for a in APPS])[app]
    intervened = guarded & ~failed & (rng.random(n) < GUARDRAIL_RATE)
    output_tokens = np.where(intervened, 0, output_tokens)
    missing = ~failed & (rng.random(n) < np.array([a.tokens_missing for a in APPS])[app])

    caches = np.array([a.cache for a in APPS])[app] & np.array([m.caches for m in MODELS])[model]
    cache_read = np.where(caches & (rng.random(n) < CACHE_READ_RATE), input_tokens * 3, 0)
    cache_write = np.where(caches & (rng.random(n) < CACHE_WRITE_RATE), input_tokens * 3, 0)

    per_token = np.array([m.ms_per_token for m in MODELS])[model]
    per_token = np.where(served_opt, per_token / OPTIMIZED_SPEEDUP, per_token)
    base = np.array([m.base_ms for m in MODELS])[model]
    latency = base + per_token * output_tokens + rng.normal(0, 80, n) + cross_region * 40
    latency = np.maximum(latency, 50).astype(np.int64)
    has_latency = operation_idx != 2  # InvokeModel logs no latency
    first_byte = np.maximum(base * 0.7 + rng.normal(0, 30, n), 20).astype(np.int64)
    has_first_byte = operation_idx == 3  # the stream's last chunk's invocation metrics
    has_tps = has_latency & ~missing & (output_tokens > 0)
    session = rng.integers(0, SESSIONS, n)

    start_us = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1_000_000
    team = np.array([a.team or "" for a in APPS])[app]
    tagged = team != ""
    offsets = np.concatenate([[0], np.cumsum(tagged.astype(np.int32))]).astype(np.int32)
    metadata = pa.MapArray.from_arrays(pa.array(offsets), pa.array(np.full(int(tagged.sum()),
                                       "team")), pa.array(team[tagged].astype(str)))
    arns = [f"arn:aws:iam::{a.account}:user/{a.caller}" if a.user else
            f"arn:aws:sts::{a.account}:assumed-role/{a.caller}/session-{k}"
            for a in APPS for k in range(SESSIONS)]
    model_names = np.array(names)[model]

    def opt(values: np.ndarray, mask: np.ndarray, typ: pa.DataType) -> pa.Array:
        return pa.array(values, typ, mask=~mask)

    def per_app(values: list[str]) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(app, pa.int32()),
                                              pa.array(values)).cast(pa.string())

    columns = {
        "ts": pa.array(start_us + seconds * 1_000_000, pa.int64()).cast(
            pa.timestamp("us", tz="UTC")),
        "account_id": per_app([a.account for a in APPS]),
        "region": per_app([a.region for a in APPS]),
        "inference_region": pa.array(inference),
        "cross_region": pa.array(cross_region),
        "operation": per_app([a.operation for a in APPS]),
        "model_id": pa.array(np.where(direct, model_names,
                                      np.char.add(np.char.add(scope, "."), model_names))),
        "model": pa.array(model_names),
        "model_id_kind": pa.array(np.where(direct, "base", "system_profile")),
        "profile_scope": opt(scope, ~direct, pa.string()),
        "caller_arn": pa.DictionaryArray.from_arrays(
            pa.array(app * SESSIONS + session, pa.int32()), pa.array(arns)).cast(pa.string()),
        "caller": per_app([a.caller for a in APPS]),
        "requested_latency": pa.array(np.where(requested_opt, "optimized", "standard")),
        "served_latency": opt(np.where(served_opt, "optimized", "standard"), ~unknown_served,
                              pa.string()),
        "served_latency_source": pa.array(
            np.where(unknown_served, "unknown",
                     np.where(requested_opt, "response_body", "not_requested"))),
        "fallback_reason": opt(reason, fell_back, pa.string()),
        "input_tokens": opt(input_tokens, ~missing, pa.int64()),
        "output_tokens": opt(output_tokens, ~missing, pa.int64()),
        "cache_read_tokens": opt(cache_read, cache_read > 0, pa.int64()),
        "cache_write_tokens": opt(cache_write, cache_write > 0, pa.int64()),
        "cache_write_5m_tokens": opt(cache_write, cache_write > 0, pa.int64()),
        "cache_write_1h_tokens": opt(np.zeros(n, np.int64), cache_write > 0, pa.int64()),
        "latency_ms": opt(latency, has_latency, pa.int64()),
        "first_byte_ms": opt(first_byte, has_first_byte, pa.int64()),
        "output_tokens_per_s": opt(output_tokens * 1000.0 / latency, has_tps, pa.float64()),
        "stop_reason": opt(np.where(intervened, "guardrail_intervened", "end_turn"), ~failed,
                           pa.string()),
        "error_code": opt(error.astype(str), failed, pa.string()),
        "guardrail_action": opt(np.full(n, "INTERVENED"), intervened, pa.string()),
        "request_metadata": metadata,
        "system_prompt_fp": per_app([hashlib.sha256(a.caller.encode()).hexdigest()[:16]
                                     for a in APPS]),
        "prompt_fp": _hexes(prompt_fp),
        "schema_version": pa.array(np.full(n, "1.0")),
    }
    arrays = []
    for field in INVOCATIONS_SCHEMA:
        value = columns.get(field.name)
        arrays.append(pa.nulls(n, field.type) if value is None else value.cast(field.type))
    table = pa.Table.from_arrays(arrays, schema=INVOCATIONS_SCHEMA)
    table = table.take(pa.array(np.argsort(seconds, kind="stable")))
    return _renumbered(table, day, first_line)


def _renumbered(table: pa.Table, day: date, first_line: int) -> pa.Table:
    """``table`` as the rows of ``day``'s log lines from ``first_line``: request IDs,
    ``source`` and ``source_line`` (the only per-request columns that name the day)."""
    n = table.num_rows
    lines = pa.array(np.arange(first_line, first_line + n, dtype=np.int64))
    return _moved(table, {
        "request_id": pc.binary_join_element_wise(f"{day.isoformat()}-",
                                                  lines.cast(pa.string()), ""),
        "source": pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, np.int32)), pa.array([f"synthetic://{day.isoformat()}"])),
        "source_line": lines,
    })


def write_lake(lake: Path, *, rows: int, days: int = 14, last_day: date = date(2026, 11, 20),
               seed: int = 7, rollups: bool = False, patterns: int = 7,
               processes: int = 2) -> int:
    """Write ``rows`` invocations spread over ``days`` UTC days ending ``last_day``.

    ``rollups``: also write the rollup tables (docs/rollups.md), built by ingest's
    ``build_rollup``/``daily_rollup``, and every ``DAY_TABLES`` table. So that a year of
    100M requests is built in minutes, the days then repeat ``patterns`` generated days (a
    weekly pattern by default; module docstring), in ``processes`` processes.
    """
    if rollups:
        return _write_patterned_lake(lake, rows=rows, days=days, last_day=last_day, seed=seed,
                                     patterns=patterns, processes=processes)
    rng = np.random.default_rng(seed)
    per_day = np.full(days, rows // days)
    per_day[: rows % days] += 1
    written = 0
    table = open_table(resolve(lake))
    for i, n in enumerate(per_day):
        day = last_day - timedelta(days=days - 1 - i)
        # One clean snapshot per day, as one ingest run per day would commit.
        current = table.current_snapshot()
        append(table, _day_table(rng, day, int(n), written + 1),
               snapshot_properties(None if current is None else current.snapshot_id))
        written += int(n)
    _write_run(lake, written, last_day)
    _write_quarantine(lake)
    return written


def _moved(table: pa.Table, columns: dict[str, Any]) -> pa.Table:
    for name, values in columns.items():
        i = table.schema.get_field_index(name)
        table = table.set_column(i, table.schema.field(i), values.cast(table.schema.field(i).type))
    return table


def _shifted(table: pa.Table, days: int) -> pa.Table:
    """``table`` with every date and timestamp column moved by ``days``."""
    columns: dict[str, Any] = {}
    for field in table.schema:
        if pa.types.is_date32(field.type):
            ordinal = pc.add(table.column(field.name).cast(pa.int32()), pa.scalar(days, pa.int32()))
            columns[field.name] = ordinal.cast(pa.date32())
        elif pa.types.is_timestamp(field.type):
            shift = pa.scalar(timedelta(days=days), pa.duration(field.type.unit))
            columns[field.name] = pc.add(table.column(field.name), shift)
    return _moved(table, columns)


def _build_pattern(task: tuple[int, int, date, int, str]) -> dict[str, pa.Table]:
    """Generate pattern day ``j`` (its own seeded generator), keep it at ``path`` (Arrow IPC,
    read back memory-mapped), and build its rollups."""
    from bedrock_logbook.ingest.rollup import build_rollup, daily_rollup

    seed, j, day, n, path = task
    raw = _day_table(np.random.default_rng([seed, j]), day, n, 1)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, raw.schema) as writer:
        writer.write_table(raw)
    hourly = build_rollup(raw)
    return {ROLLUP_HOURLY_TABLE: hourly, ROLLUP_DAILY_TABLE: daily_rollup(hourly)}


def _build_day_tables(path: str) -> dict[str, pa.Table]:
    """``DAY_TABLES`` built from a pattern day kept at ``path``, in this process (so that
    entries added at run time count)."""
    with pa.memory_map(path) as source:
        raw = pa.ipc.open_file(source).read_all()
        return {name: builder(raw) for name, builder in DAY_TABLES}


def _write_day(task: tuple[str, date, int, int, str, pa.Schema]) -> str:
    """Write one day (its pattern moved by ``shift`` days, lines from ``first``) to
    ``target``; the file's URI."""
    pattern, day, shift, first, target, schema = task
    with pa.memory_map(pattern) as source:
        raw = pa.ipc.open_file(source).read_all()
        raw = _renumbered(_moved(raw, {"ts": _shifted(raw.select(["ts"]), shift)["ts"]}),
                          day, first)
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_data_file(str(path), [raw], schema)
    return file_uri(path)


def _pool(processes: int) -> ProcessPoolExecutor:
    # spawn: the parent may hold DuckDB or SQLite threads that a fork would copy mid-state
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))


def _write_patterned_lake(lake: Path, *, rows: int, days: int, last_day: date, seed: int,
                          patterns: int, processes: int) -> int:
    from tests.rollup_lake import write_rollups

    per_day = rows // days
    first_day = last_day - timedelta(days=days - 1)
    count = min(patterns, days)
    location = resolve(lake)
    table = open_table(location)
    schema = file_schema(table)
    written = 0
    with tempfile.TemporaryDirectory(prefix="synthetic-patterns-") as tmp, \
            _pool(processes) as pool:
        paths = [str(Path(tmp) / f"pattern-{j}.arrow") for j in range(count)]
        built = list(pool.map(_build_pattern, [
            (seed, j, first_day + timedelta(days=j), per_day, paths[j]) for j in range(count)]))
        for j, path in enumerate(paths):
            built[j].update(_build_day_tables(path))
        tasks = []
        for i in range(days):
            day = first_day + timedelta(days=i)
            target = (Path(location.lake) / TABLE_NAME / "data" / f"{PARTITION_FIELD}={day}"
                      / f"synthetic-{day}.parquet")
            tasks.append((paths[i % count], day, i - i % count, written + 1, str(target),
                          schema))
            written += per_day
        uris = list(pool.map(_write_day, tasks))
    step = 31  # days per snapshot (a month of files per commit)
    for k in range(0, days, step):
        current = table.current_snapshot()
        commit_files(table, uris[k:k + step],
                     snapshot_properties(None if current is None else current.snapshot_id))
    snapshot = table.current_snapshot()
    assert snapshot is not None

    def per_month(name: str) -> Iterator[pa.Table]:
        # A month of derived rows per snapshot (the first replaces): bounded memory.
        for k in range(0, days, step):
            yield pa.concat_tables(_shifted(built[i % count][name], i - i % count)
                                   for i in range(k, min(days, k + step)))

    # the daily batches as a list (small): write_rollups may read them more than once (the
    # cube it derives from them); the hourly ones stream
    write_rollups(lake, per_month(ROLLUP_HOURLY_TABLE), list(per_month(ROLLUP_DAILY_TABLE)),
                  snapshot.snapshot_id, run_id="synthetic")
    for name, _ in DAY_TABLES:
        _write_day_table(lake, name, per_month(name), snapshot.snapshot_id)
    _write_run(lake, written, last_day)
    _write_quarantine(lake)
    return written


def _write_day_table(lake: Path, name: str, batches: Iterable[pa.Table],
                     rollup_of: int) -> None:
    """Replace table ``name``'s rows with ``batches`` (created from the first batch's schema,
    partition month(day) as ingest writes it, beside the rollups; every snapshot records
    ``rollup_of``)."""
    from bedrock_logbook.ingest.rollup_tables import partition_by_month
    from bedrock_logbook.lake.catalog import open_catalog
    from bedrock_logbook.lake.reading import (
        OPERATION_PROPERTY,
        ROLLUP,
        ROLLUP_OF_PROPERTY,
        RUN_ID_PROPERTY,
    )

    location = resolve(lake)
    catalog = open_catalog(location)
    identifier = (NAMESPACE, name)
    props = {ROLLUP_OF_PROPERTY: str(rollup_of), OPERATION_PROPERTY: ROLLUP,
             RUN_ID_PROPERTY: "synthetic"}
    first = True
    for batch in batches:
        if first:
            if not catalog.table_exists(identifier):
                root = location.table_location.rsplit("/", 1)[0]
                txn = catalog.create_table_transaction(
                    identifier, schema=batch.schema, location=f"{root}/{name}",
                    properties={"write.parquet.compression-codec": "zstd"})
                with txn.update_spec() as spec:
                    partition_by_month(spec)
                txn.commit_transaction()
            catalog.load_table(identifier).overwrite(batch, snapshot_properties=props)
            first = False
        elif batch.num_rows:
            catalog.load_table(identifier).append(batch, snapshot_properties=props)


def _write_run(lake: Path, rows: int, last_day: date) -> None:
    runs = lake / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    finished = datetime(last_day.year, last_day.month, last_day.day, 23, 59, tzinfo=UTC)
    record = {
        "run_id": "synthetic-1", "started_at": (finished - timedelta(seconds=30)).isoformat(),
        "finished_at": finished.isoformat(), "seconds": 30.0, "source": "files",
        "objects": 3, "skipped_objects": 1, "lines": rows + 2, "rows_written": rows,
        "duplicates": 0, "quarantined": 2, "bytes_in": rows * 2000,
    }
    (runs / "run-synthetic-1.json").write_text(json.dumps(record), encoding="utf-8")


def _write_quarantine(lake: Path) -> None:
    quarantine = lake / QUARANTINE_DIR
    quarantine.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(
        [
            {"source": "synthetic://bad.json", "source_line": 3, "reason": "malformed_json",
             "detail": "Expecting ',' delimiter", "request_id": None, "raw": "{\"requestId\": "},
            {"source": "synthetic://bad.json", "source_line": 9, "reason": "missing_field",
             "detail": "no timestamp", "request_id": "r-9", "raw": "{}"},
        ],
        schema=QUARANTINE_SCHEMA,
    )
    pq.write_table(table, quarantine / "part-synthetic.parquet")
