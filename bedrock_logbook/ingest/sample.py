"""Deterministic generator of realistic Bedrock ModelInvocationLog records (pure, no IO).

Same seed, same arguments -> the same records, in the same order. The shapes follow
log-format.md and the real records in ../shared: every operation and provider body, every
``modelId`` spelling, cross-region routing, latency-optimized requests with fallbacks,
errors, guardrails, cache counts, offloaded and dropped bodies, media, both key orders.
``ingest.sample_writer`` lays them out as S3 delivery objects.

Each invocation is first decided as it really happened (``Truth``: requested and served
latency mode, the true fallback cause, service tier, cache-write TTL split), then dressed as
the record Bedrock would log, which shows only part of it: the top-level performanceConfig
is the mode Bedrock applied (``latency_field='applied'``, our reading; 'requested' simulates
the other reading), the response body's performanceConfig and the request body's echo appear
only sometimes, and fallback causes are never logged.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bedrock_logbook.ingest.sample_bodies import Call, Media, build_bodies
from bedrock_logbook.ingest.sample_catalog import (
    ERROR_CODES,
    MODELS,
    NOT_OFFERED_ASK_SHARE,
    OPTIMIZED_ELSEWHERE_SHARE,
    OPTIMIZED_REGION,
    PROFILE_DESTINATIONS,
    WORKLOADS,
    ModelSpec,
    Workload,
)
from bedrock_logbook.ingest.sample_text import words

Record = dict[str, Any]

DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BIG_BODY_WORDS = 17_000  # ~110 KB: over the 100 KB inline limit
# Fake but recognisable media payloads (they only need to exist and be non-empty).
_MEDIA_BYTES = {
    "pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0bIDAT\x08\xd7c\xf8\x0f\x00\x01\x01\x01\x00"
    b"\x18\xdd\x8d\xb0\x00\x00\x00\x00IEND\xaeB`\x82",
}


@dataclass(frozen=True)
class Truth:
    """What really happened to one request (the log shows only part of it)."""

    request_id: str
    requested: str  # 'standard' | 'optimized'
    served: str | None  # None: the call failed (nothing served)
    # Why an optimized request was served standard: 'quota' (optimized usage quota used up),
    # 'capacity' (no optimized capacity), 'token_limit' (Llama 3.1 405B over 11K: input + max
    # output tokens); None otherwise.
    fallback_cause: str | None
    rejected_not_offered: bool  # optimized asked where AWS does not offer it
    service_tier: str  # the tier the request was served in ('default' when none was set)
    cache_write_5m: int
    cache_write_1h: int

    def as_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "requested": self.requested,
                "served": self.served, "fallback_cause": self.fallback_cause,
                "rejected_not_offered": self.rejected_not_offered,
                "service_tier": self.service_tier, "cache_write_5m": self.cache_write_5m,
                "cache_write_1h": self.cache_write_1h}


@dataclass
class Invocation:
    """One generated record plus the ``data/`` objects Bedrock would have written for it."""

    record: Record
    # (s3 URI, payload): JSON bodies (to be gzipped) for offloads, raw bytes for media.
    payloads: list[tuple[str, bytes]] = field(default_factory=list)
    truth: Truth | None = None


# Shares of Converse records whose bodies carry performanceConfig (UNCONFIRMED in real logs:
# seed 003's OPTIMIZED Converse record has none in its response body).
RESPONSE_MODE_SHARE = 0.3
REQUEST_ECHO_SHARE = 0.5
CACHE_DETAILS_SHARE = 0.7  # Converse usage with the cacheDetails TTL split


def generate_records(
    n: int,
    *,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    hours: int = 72,
    text_scale: float = 1.0,
    latency_field: str = "applied",
) -> Iterator[Record]:
    """``n`` ModelInvocationLog records with timestamps in ``[start, start + hours)``."""
    for inv in generate_invocations(n, seed=seed, start=start, hours=hours,
                                    text_scale=text_scale, latency_field=latency_field):
        yield inv.record


def generate_invocations(
    n: int,
    *,
    seed: int = 7,
    start: datetime = DEFAULT_START,
    hours: int = 72,
    text_scale: float = 1.0,
    latency_field: str = "applied",
) -> Iterator[Invocation]:
    """Invocations with their records, ``data/`` payloads and ground truth.

    ``latency_field``: what the simulated Bedrock writes in the top-level performanceConfig,
    'applied' (the mode it served; our reading of real logs) or 'requested'.
    """
    if n < 0 or hours < 1:
        raise ValueError("need n >= 0 and hours >= 1")
    if latency_field not in ("applied", "requested"):
        raise ValueError("latency_field must be 'applied' or 'requested'")
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    gen = _Generator(seed, start, hours, text_scale, latency_field == "requested")
    for i in range(n):
        yield gen.invocation(i, n)


def s3_bucket(account: str, region: str) -> str:
    return f"bedrock-logs-{account}-{region}"


def hour_prefix(account: str, region: str, when: datetime) -> str:
    """Key of the hour folder (below the bucket) for ``when``."""
    return (f"AWSLogs/{account}/BedrockModelInvocationLogs/{region}/"
            f"{when:%Y/%m/%d/%H}")


class _Generator:
    def __init__(self, seed: int, start: datetime, hours: int, text_scale: float,
                 field_is_requested: bool = False) -> None:
        self.field_is_requested = field_is_requested
        self.rng = random.Random(seed)
        self.start = start
        self.hours = hours
        self.text_scale = text_scale
        self.hour_cdf = _hour_cdf(start, hours)
        self.bursts = _quota_bursts(seed, start, hours)
        self.workload_cum = _cumulative(w.weight for w in WORKLOADS)

    # -- top level -----------------------------------------------------------------------

    def invocation(self, i: int, n: int) -> Invocation:
        rng = self.rng
        ts = self._timestamp(i, n)
        wl = WORKLOADS[bisect.bisect(self.workload_cum, rng.random() * self.workload_cum[-1])]
        spec = MODELS[_pick(rng, wl.models)]
        operation = _pick(rng, wl.operations)
        id_form = _pick(rng, wl.id_forms)
        request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        in_burst = self._in_burst(ts)
        newer = not wl.legacy_format

        model_id = _model_id(wl, spec, id_form)
        input_tokens = _lognormal_int(rng, *wl.input_tokens)
        output_tokens = _lognormal_int(rng, *wl.output_tokens)
        max_tokens = rng.choice((512, 1024, 2048, 4096))
        stop = "end" if rng.random() < 0.85 else "stop_sequence"
        if output_tokens >= max_tokens:
            output_tokens, stop = max_tokens, "length"
        cache_read, cache_write = self._cache(wl, newer)
        cache_write_1h = self._cache_1h(spec, cache_write)

        requested, served, cause, inference_region = self._routing(
            wl, spec, id_form, in_burst, input_tokens + cache_read + cache_write + max_tokens)
        rejected = requested == "optimized" and served is None
        error = "ValidationException" if rejected else self._error(wl, in_burst)
        if error is not None:
            served, cause = None, None
        guardrail = error is None and rng.random() < wl.guardrail_share
        if guardrail:
            output_tokens, stop = (0 if operation.startswith("Converse") else 12), "guardrail"
        latency, first_byte = self._latency(
            spec, served == "optimized", input_tokens + cache_write, output_tokens,
            inference_region not in (None, wl.region), guardrail)

        call = Call(
            operation=operation, family=spec.family,
            anthropic_model_name=spec.anthropic_model_name,
            prompt=words(rng, self._words(5 + input_tokens // 12, 180), wl.language),
            answer=words(rng, self._words(3 + output_tokens // 2, 200), wl.language),
            system=wl.system_prompt if rng.random() < 0.8 else "",
            input_tokens=input_tokens, output_tokens=output_tokens,
            cache_read=cache_read, cache_write=cache_write,
            latency_ms=latency, first_byte_ms=first_byte, stop=stop, max_tokens=max_tokens,
            temperature=rng.choice((0.0, 0.2, 0.5, 0.7, 1.0)),
            message_id="msg_bdrk_01" + "".join(rng.choices(_B62, k=22)),
            uses_cache=wl.uses_cache, newer_format=newer, guardrail=guardrail,
            cache_write_1h=cache_write_1h,
        )
        if operation.startswith("Converse"):
            call.cache_details = rng.random() < CACHE_DETAILS_SHARE
            if requested is not None:
                if served is not None and rng.random() < RESPONSE_MODE_SHARE:
                    call.served_mode = served
                if rng.random() < REQUEST_ECHO_SHARE:
                    call.echo_request_mode = requested
        tier = self._service_tier(wl, newer)
        if tier and operation.startswith("Converse"):
            call.service_tier = tier

        inv = Invocation(record={})
        hour_key = f"s3://{s3_bucket(wl.account, wl.region)}/" \
                   f"{hour_prefix(wl.account, wl.region, ts)}/data/{request_id}"
        if operation.startswith("Converse") and rng.random() < wl.media_share:
            call.media = self._media(hour_key, inv)
        body_fate = self._body_fate(wl)
        if body_fate != "inline":
            call.prompt = words(rng, _BIG_BODY_WORDS, wl.language)
            call.input_tokens = input_tokens = 24_000 + rng.randrange(8_000)
        in_body, out_body = build_bodies(call)

        inp: Record = {"inputContentType": "application/json"}
        out: Record = {"outputContentType": "application/json"}
        if body_fate == "offload":
            inp["inputBodyS3Path"] = f"{hour_key}_input.json.gz"
            inv.payloads.append((inp["inputBodyS3Path"], _json_bytes(in_body)))
        elif body_fate == "inline":
            inp["inputBodyJson"] = in_body
        inp["inputTokenCount"] = 0 if error in _NO_TOKEN_ERRORS else input_tokens
        if newer:
            inp["cacheReadInputTokenCount"] = cache_read
            inp["cacheWriteInputTokenCount"] = cache_write
        if error is None:
            if body_fate == "offload" and rng.random() < 0.3:
                out["outputBodyS3Path"] = f"{hour_key}_output.json.gz"
                inv.payloads.append((out["outputBodyS3Path"], _json_bytes(out_body)))
            else:
                out["outputBodyJson"] = out_body
            out["outputTokenCount"] = output_tokens

        top: Record = {}
        if wl.metadata and rng.random() < wl.metadata_share:
            top["requestMetadata"] = {
                k: (rng.choice(v) if v else (requested or "standard")) for k, v in wl.metadata
            }
        if requested is not None:  # the caller set it; Bedrock records it
            logged = requested if self.field_is_requested or served is None else served
            top["performanceConfig"] = {"latency": logged.upper()}
        if tier:  # UNCONFIRMED shape: dict like the API for Converse, plain header value else
            top["serviceTier"] = {"type": tier} if operation.startswith("Converse") else tier
        if error is not None:
            top["errorCode"] = error

        inv.record = _assemble(
            newer, ts=ts, account=wl.account, caller=rng.choice(wl.callers),
            region=wl.region, request_id=request_id, operation=operation,
            model_id=model_id, inp=inp, out=out, top=top, inference_region=inference_region)
        inv.truth = Truth(
            request_id, requested or "standard", None if error else (served or "standard"),
            cause, rejected, tier or "default",
            cache_write - cache_write_1h, cache_write_1h)
        return inv

    # -- decisions -----------------------------------------------------------------------

    def _timestamp(self, i: int, n: int) -> datetime:
        u = (i + self.rng.random()) / max(n, 1) * self.hour_cdf[-1]
        hour = min(bisect.bisect(self.hour_cdf, u), self.hours - 1)
        lo = self.hour_cdf[hour - 1] if hour else 0.0
        frac = (u - lo) / (self.hour_cdf[hour] - lo)
        return self.start + timedelta(seconds=int((hour + min(frac, 0.9999)) * 3600))

    def _in_burst(self, ts: datetime) -> bool:
        k = bisect.bisect(self.bursts, (ts, ts)) - 1
        return k >= 0 and self.bursts[k][0] <= ts < self.bursts[k][1]

    def _words(self, count: int, cap: int) -> int:
        return max(1, int(min(count, cap) * self.text_scale))

    def _cache(self, wl: Workload, newer: bool) -> tuple[int, int]:
        if not (wl.uses_cache and newer):
            return 0, 0
        big = wl.name == "claude-code"
        roll = self.rng.random()
        if roll < 0.6:
            return _lognormal_int(self.rng, 22_000 if big else 1_500, 0.5), 0
        if roll < 0.8:
            return 0, _lognormal_int(self.rng, 9_000 if big else 1_200, 0.6)
        return 0, 0

    def _cache_1h(self, spec: ModelSpec, cache_write: int) -> int:
        """How many of the cache-write tokens had a 1-hour TTL (Anthropic models only)."""
        if not cache_write or spec.family != "anthropic_messages":
            return 0
        roll = self.rng.random()
        if roll < 0.25:
            return cache_write
        if roll < 0.35:
            return cache_write // 3
        return 0

    def _routing(self, wl: Workload, spec: ModelSpec, id_form: str, in_burst: bool,
                 planned_tokens: int) -> tuple[str | None, str | None, str | None, str | None]:
        """(mode the caller set or None, served mode, true fallback cause, inferenceRegion
        or None when absent). Served is None for a request AWS rejects (optimized not
        offered). ``planned_tokens``: input + the request's max output tokens, what AWS can
        judge the 405B limit on before generating."""
        rng = self.rng
        requested: str | None = None
        served: str | None = None
        cause: str | None = None
        profile = wl.geo == "us" and id_form in ("profile", "profile_arn")
        if profile and spec.optimized_ms_per_token is not None and (
                rng.random() < wl.optimized_share):
            requested = "optimized"
            if wl.region not in spec.optimized_regions:
                return requested, None, None, None
            limit = spec.optimized_max_total_tokens
            if limit is not None and planned_tokens > limit:
                cause = "token_limit"
            elif in_burst and rng.random() < 0.8:
                cause = "quota"
            elif rng.random() < 0.03:
                cause = "capacity"
            served = "standard" if cause else "optimized"
        elif profile and rng.random() < NOT_OFFERED_ASK_SHARE and (
                wl.region not in spec.optimized_regions):
            return "optimized", None, None, None  # a misconfigured caller: rejected
        elif rng.random() < wl.explicit_standard_share:
            requested = served = "standard"
        if served == "optimized":
            dest = OPTIMIZED_REGION
            if rng.random() < OPTIMIZED_ELSEWHERE_SHARE:
                dest = rng.choice([d for d in PROFILE_DESTINATIONS["us"] if d != dest])
            return requested, served, cause, dest  # present, even when equal (seed 003)
        if wl.geo is None or id_form not in ("profile", "profile_arn"):
            return requested, served, cause, None
        dests = PROFILE_DESTINATIONS[wl.geo]
        dest = dests[min(int(rng.expovariate(1.2)), len(dests) - 1)]
        if dest == wl.region and rng.random() < 0.85:
            return requested, served, cause, None
        return requested, served, cause, dest

    def _error(self, wl: Workload, in_burst: bool) -> str | None:
        rng = self.rng
        if in_burst and rng.random() < 0.08:
            return "ThrottlingException"
        if rng.random() < wl.error_share:
            return _pick(rng, ERROR_CODES)
        return None

    def _latency(self, spec: ModelSpec, optimized: bool, prefill_tokens: int,
                 output_tokens: int, cross_region: bool, guardrail: bool) -> tuple[int, int]:
        rng = self.rng
        if guardrail:
            v = int(220 + rng.random() * 200)
            return v, v
        per_token = spec.ms_per_token
        overhead = spec.overhead_ms
        if optimized and spec.optimized_ms_per_token and spec.optimized_overhead_ms:
            per_token, overhead = spec.optimized_ms_per_token, spec.optimized_overhead_ms
        first = overhead * rng.lognormvariate(0, 0.2) + spec.prefill_ms_per_1k * (
            prefill_tokens / 1000)
        if cross_region:
            first += 15 + rng.random() * 45
        decode = output_tokens * per_token * rng.lognormvariate(0, 0.07)
        return max(1, int(first + decode)), max(1, int(first))

    def _service_tier(self, wl: Workload, newer: bool) -> str | None:
        if not (wl.service_tiers and newer) or self.rng.random() >= 0.4:
            return None
        return _pick(self.rng, wl.service_tiers)

    def _media(self, hour_key: str, inv: Invocation) -> list[Media]:
        media: list[Media] = []
        for k, fmt in enumerate(("pdf",) if self.rng.random() < 0.6 else ("png", "pdf")):
            uri = f"{hour_key}_input_media_{k:02d}.{fmt}"
            kind = "document" if fmt == "pdf" else "image"
            media.append(Media(kind, fmt, uri, name=f"attachment-{k}" if kind == "document"
                               else ""))
            inv.payloads.append((uri, _MEDIA_BYTES[fmt]))
        return media

    def _body_fate(self, wl: Workload) -> str:
        roll = self.rng.random()
        if roll < wl.offload_share:
            return "offload"
        if roll < wl.offload_share + wl.dropped_body_share:
            return "dropped"
        return "inline"


_NO_TOKEN_ERRORS = frozenset({"ThrottlingException", "ValidationException",
                              "AccessDeniedException"})


def _assemble(newer: bool, *, ts: datetime, account: str, caller: str, region: str,
              request_id: str, operation: str, model_id: str, inp: Record, out: Record,
              top: Record, inference_region: str | None) -> Record:
    """Lay the fields out in the 2026 key order or the 2024 one (log-format.md §1.3)."""
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    if newer:
        rec: Record = {"timestamp": stamp, "accountId": account, "region": region,
                       "requestId": request_id, "operation": operation, "modelId": model_id}
        rec.update(top)
        rec["input"] = inp
        rec["output"] = out
        rec["identity"] = {"arn": caller}
        if inference_region:
            rec["inferenceRegion"] = inference_region
        rec["schemaType"] = "ModelInvocationLog"
        rec["schemaVersion"] = "1.0"
        return rec
    rec = {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": stamp,
           "accountId": account, "identity": {"arn": caller}, "region": region,
           "requestId": request_id, "operation": operation, "modelId": model_id}
    for key in ("requestMetadata", "errorCode"):
        if key in top:
            rec[key] = top[key]
    rec["input"] = inp
    rec["output"] = out
    for key in ("performanceConfig", "serviceTier"):
        if key in top:
            rec[key] = top[key]
    if inference_region:
        rec["inferenceRegion"] = inference_region
    return rec


def _model_id(wl: Workload, spec: ModelSpec, form: str) -> str:
    arn = f"arn:aws:bedrock:{wl.region}:{wl.account}"
    if form == "profile":
        return f"{wl.geo}.{spec.base_id}"
    if form == "profile_arn":
        return f"{arn}:inference-profile/{wl.geo}.{spec.base_id}"
    if form == "app_profile_arn":
        return f"{arn}:application-inference-profile/{wl.app_profile_id}"
    if form == "provisioned_arn":
        return f"{arn}:provisioned-model/{wl.provisioned_id}"
    if form == "foundation_arn":
        return f"arn:aws:bedrock:{wl.region}::foundation-model/{spec.base_id}"
    return spec.base_id


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _cumulative(weights: Any) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _lognormal_int(rng: random.Random, median: int, sigma: float) -> int:
    return max(1, int(median * rng.lognormvariate(0, sigma)))


def _hour_cdf(start: datetime, hours: int) -> list[float]:
    """Cumulative traffic weight per hour: busy in (US/EU) working hours, quiet weekends."""
    weights = []
    for h in range(hours):
        t = start + timedelta(hours=h)
        daily = 0.25 + max(0.0, math.sin(math.pi * (t.hour - 7) / 16))
        weights.append(daily * (0.45 if t.weekday() >= 5 else 1.0))
    return _cumulative(weights)


def _quota_bursts(seed: int, start: datetime, hours: int) -> list[tuple[datetime, datetime]]:
    """Windows when the optimized quota is used up: fallbacks and throttles cluster there."""
    rng = random.Random(f"bursts-{seed}")
    bursts = []
    for h in range(hours):
        if rng.random() < 0.1:
            begin = start + timedelta(hours=h, minutes=rng.randrange(50))
            bursts.append((begin, begin + timedelta(minutes=10 + rng.randrange(30))))
    return bursts


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
