"""Output for people is rounded for people; output for programs keeps full precision."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bedrock_logbook.human import compact_count, format_table, human_number, summary_lines
from tests.lake_fixtures import write_invocations

ROOT = Path(__file__).resolve().parents[1]
NOISE = re.compile(r"\d\.\d{5,}")  # 24123.690000000075 and friends


@pytest.mark.parametrize(("value", "text"), [
    (24123.690000000075, "24123.69"),
    (3668.0, "3668"),
    (58.6, "58.6"),
    (0.000812345, "0.000812"),
    (0.3123, "0.312"),
    (-1.2e-7, "-0.00000012"),  # three significant digits, trailing zeros dropped
    (0.0, "0"),
    (Decimal("12.345"), "12.35"),
    (float("nan"), "nan"),
])
def test_human_number(value: float, text: str) -> None:
    assert human_number(value) == text


def test_compact_count() -> None:
    assert [compact_count(n) for n in (950, 45_600, 1_234_567, 123_456_789)] == [
        "950", "45.6k", "1.23M", "123M"]


def test_table_rounds_and_right_aligns_numbers() -> None:
    lines = list(format_table(["model", "usd"], [("a", 24123.690000000075), ("bb", 0.5)]))
    assert lines == ["model       usd", "-----  --------", "a      24123.69", "bb          0.5"]


def test_summary_lines_from_a_hand_made_row() -> None:
    t0 = dt.datetime(2026, 11, 1, 0, 2, 16, tzinfo=dt.UTC)
    row = dict(requests=3010, input_tokens=4_627_729, output_tokens=872_460,
               cache_read_tokens=7_413_266, cache_write_tokens=931_814,
               cost_usd=24123.690000000075, unpriced_requests=340, p50_latency_ms=3651.0,
               p99_latency_ms=24123.690000000075, error_rate=0.012, share_optimized=0.18,
               share_cross_region=0.4441860465, first_ts=t0, last_ts=t0 + dt.timedelta(days=2))
    assert summary_lines(row) == [
        "3,010 requests from 2026-11-01 00:02 to 2026-11-03 00:02 UTC",
        "tokens: 4.63M in, 872k out, 7.41M cache read, 932k cache write",
        "cost: $24,123.69 for priced requests; 340 requests unpriced (no price for their model)",
        "latency p50 3,651 ms, p99 24,124 ms; errors 1.2%; served optimized 18.0%; "
        "cross-region 44.4%",
    ]


def _sql(lake: Path, fmt: str) -> str:
    query = ("SELECT 24123.690000000075::DOUBLE AS usd, 0.000812345::DOUBLE AS rate, "
             "42 AS n, count(*) AS requests FROM invocations")
    r = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "sql", query,
                        "--format", fmt, "--lake", str(lake)], cwd=ROOT, capture_output=True,
                       text=True, env=dict(os.environ), timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_sql_table_is_rounded_csv_and_json_are_not(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write_invocations(lake, [{"request_id": "r-1", "ts": "2026-11-02T10:00:00Z"}])
    table = _sql(lake, "table").splitlines()
    assert table[2].split() == ["24123.69", "0.000812", "42", "1"]
    assert list(csv.reader(io.StringIO(_sql(lake, "csv"))))[1] == [
        "24123.690000000075", "0.000812345", "42", "1"]
    assert json.loads(_sql(lake, "json")) == [
        {"usd": 24123.690000000075, "rate": 0.000812345, "n": 42, "requests": 1}]


def test_make_run_prints_a_short_human_summary(tmp_path: Path) -> None:
    """The summary `make run` prints (its ingest-sample target, as make would run it)."""
    r = subprocess.run(["make", "-n", "ingest-sample"], cwd=ROOT, capture_output=True, text=True)
    assert "bedrock-logbook summary" in r.stdout and "--format json" not in r.stdout
    lake = tmp_path / "lake"
    ingest = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "ingest", "files",
                             str(ROOT / "sample_logs"), "--lake", str(lake)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert ingest.returncode == 0, ingest.stderr
    out = subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", "summary", "--lake",
                          str(lake)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert 3 <= len(lines) <= 6 and max(len(line) for line in lines) <= 110
    assert not NOISE.search(out.stdout), out.stdout
    assert re.search(r"^[\d,]+ requests from 2026-11-0\d", out.stdout, re.M)
    assert "$" in out.stdout and "p50" in out.stdout
