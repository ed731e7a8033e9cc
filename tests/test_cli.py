"""The bedrock-logbook command as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_logbook.settings import Settings, SettingsError
from tests.core.lakeutil import write_batch
from tests.core.records import converse

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_batch(root, [converse(f"r-{i}", latency_ms=1000 + i) for i in range(5)]
                + [b"{oops"])
    return root


def test_ingest_prints_one_summary_line_and_balances(tmp_path: Path, logs: Path) -> None:
    r = run("ingest", "files", str(logs), "--lake", str(tmp_path / "lake"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines() == [r.stdout.strip()]
    assert "6 records -> 5 new rows, 0 duplicates, 1 quarantined" in r.stdout


def test_ingest_json_summary_and_env_lake(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "from-env"
    r = run("ingest", "files", str(logs), "--json", env={"BEDROCK_LOGBOOK_LAKE": str(lake)})
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["rows_written"], s["quarantined"], s["balanced"]) == (5, 1, True)
    assert (lake / "invocations").is_dir()


def test_missing_input_is_a_one_line_error_with_exit_3(tmp_path: Path) -> None:
    r = run("ingest", "files", str(tmp_path / "nope"), "--lake", str(tmp_path / "lake"))
    assert r.returncode == 3
    assert r.stderr.startswith("bedrock-logbook: input path does not exist")
    assert "Traceback" not in r.stderr


def test_bad_setting_names_the_variable(tmp_path: Path, logs: Path) -> None:
    r = run("ingest", "files", str(logs), env={"BEDROCK_LOGBOOK_WORKERS": "many"})
    assert r.returncode == 3
    assert "BEDROCK_LOGBOOK_WORKERS" in r.stderr


def test_busy_lake_exits_75_and_changes_nothing(tmp_path: Path, logs: Path) -> None:
    lake = tmp_path / "lake"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from pathlib import Path; from bedrock_logbook.ingest.lake import LakeLock\n"
         f"with LakeLock(Path({str(lake)!r})):\n print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        r = run("ingest", "files", str(logs), "--lake", str(lake))
        assert r.returncode == 75
        assert "another ingest" in r.stderr and not (lake / "invocations").exists()
    finally:
        holder.kill()
        holder.wait()


def test_sql_formats_and_bound_parameters(tmp_path: Path, logs: Path) -> None:
    lake = str(tmp_path / "lake")
    assert run("ingest", "files", str(logs), "--lake", lake).returncode == 0
    q = "SELECT request_id, latency_ms FROM invocations WHERE latency_ms >= $min ORDER BY 1"
    r = run("sql", q, "--param", "min=1003", "--format", "csv", "--lake", lake)
    assert r.returncode == 0, r.stderr
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["request_id", "latency_ms"], ["r-3", "1003"], ["r-4", "1004"]]
    j = run("sql", "SELECT count(*) AS n FROM invocations", "--format", "json", "--lake", lake)
    assert json.loads(j.stdout) == [{"n": 5}]
    t = run("sql", "SELECT requests FROM summary_overview", "--lake", lake)
    assert t.stdout.splitlines()[0].strip() == "requests" and t.stdout.split()[-1] == "5"


def test_sql_error_is_one_line(tmp_path: Path, logs: Path) -> None:
    lake = str(tmp_path / "lake")
    assert run("ingest", "files", str(logs), "--lake", lake).returncode == 0
    r = run("sql", "SELECT nope FROM invocations", "--lake", lake)
    assert r.returncode == 3
    assert r.stderr.startswith("bedrock-logbook: SQL error") and len(r.stderr.splitlines()) == 1


def test_views_lists_every_view_with_a_purpose(tmp_path: Path, logs: Path) -> None:
    from bedrock_logbook import queries
    lake = str(tmp_path / "lake")
    assert run("ingest", "files", str(logs), "--lake", lake).returncode == 0
    r = run("views", "--lake", lake)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert len(lines) == len(queries.list_views())
    assert any(line.startswith("mode_comparison ") for line in lines)
    assert all("] " in line and len(line.split("] ", 1)[1]) > 10 for line in lines)


def test_duckdb_file_opens_read_only_with_views(tmp_path: Path, logs: Path) -> None:
    import duckdb

    lake = tmp_path / "lake"
    assert run("ingest", "files", str(logs), "--lake", str(lake)).returncode == 0
    r = run("duckdb-file", "--lake", str(lake))
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(lake / "logbook.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM invocations").fetchone() == (5,)


def test_schema_doc_check(tmp_path: Path) -> None:
    assert run("schema-doc", "--check", str(ROOT / "docs" / "lake-schema.md")).returncode == 0
    stale = tmp_path / "stale.md"
    stale.write_text("old\n")
    r = run("schema-doc", "--check", str(stale))
    assert r.returncode == 1 and "out of date" in r.stderr


@pytest.mark.parametrize("command", [[], ["ingest"], ["ingest", "files"], ["sql"], ["views"],
                                     ["duckdb-file"], ["schema-doc"], ["summary"], ["ingest", "s3"],
                                     ["ingest", "cloudwatch"], ["sample"], ["dashboard"],
                                     ["compact"], ["prices"], ["prices", "explain"]])
def test_help_everywhere(command: list[str]) -> None:
    r = run(*command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout


def test_settings_precedence_flag_over_env_over_default() -> None:
    assert Settings.load(env={}).lake == "lake"
    assert Settings.load(env={"BEDROCK_LOGBOOK_LAKE": "/x"}).lake == "/x"
    assert Settings.load(env={"BEDROCK_LOGBOOK_LAKE": "/x"}, lake="/y").lake == "/y"
    # kept as text: a Path would turn the bucket URI into s3:/bucket/prefix
    assert Settings.load(env={"BEDROCK_LOGBOOK_LAKE": "s3://b/p"}).lake == "s3://b/p"
    assert Settings.load(env={"BEDROCK_LOGBOOK_KEEP_BODIES": "yes"}).keep_bodies is True
    with pytest.raises(SettingsError, match="BEDROCK_LOGBOOK_KEEP_BODIES"):
        Settings.load(env={"BEDROCK_LOGBOOK_KEEP_BODIES": "maybe"})
    with pytest.raises(SettingsError, match="--workers"):
        Settings.load(env={}, workers=0)


def test_source_errors_carry_the_cli_exit_codes() -> None:
    """ingest may not import the CLI, so the codes are stated twice: they must agree."""
    from bedrock_logbook import cli_common
    from bedrock_logbook.ingest.sources import errors

    assert (errors.EXIT_UNEXPECTED, errors.EXIT_USAGE, errors.EXIT_CONFIG, errors.EXIT_AWS) == (
        cli_common.EXIT_UNEXPECTED, cli_common.EXIT_USAGE, cli_common.EXIT_CONFIG,
        cli_common.EXIT_AWS)
