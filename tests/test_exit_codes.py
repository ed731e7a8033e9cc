"""Exit codes exactly as the README's table says, each with its one-line message: the real
command in a subprocess, as cron runs it. (75, lake busy: tests/test_cli.py.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lake_fixtures import write_invocations
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
# No AWS settings from the machine running the tests.
CLEAN_AWS = {
    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
DROP = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN", "BEDROCK_LOGBOOK_LAKE", "BEDROCK_LOGBOOK_WORKERS")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
        ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in DROP}
    return subprocess.run([sys.executable, "-m", "bedrock_logbook.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={**base, **CLEAN_AWS, **(env or {})})


def one_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("bedrock-logbook: "), r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


def test_readme_documents_the_codes_tested_here() -> None:
    readme = (ROOT / "README.md").read_text()
    line = re.search(r"Exit codes: (.*?)\n\n", readme, flags=re.S)
    assert line, "README has no exit-code table"
    text = " ".join(line.group(1).split())
    for code, words in [("0", "done"), ("1", "unexpected"), ("2", "usage"),
                        ("3", "configuration"), ("4", "AWS"), ("75", "busy")]:
        assert re.search(rf"`{code}` [^`]*{words}", text), (code, words, text)
    assert "--since" in text and "cannot reach AWS" in text


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    path = tmp_path / "lake"
    write_invocations(path, [{"request_id": "r-1", "ts": "2026-11-02T10:00:00Z"}])
    return path


@pytest.mark.parametrize("args", [
    ["sql", "SELECT 1"], ["views"], ["summary"], ["duckdb-file"], ["compact"],
    ["dashboard", "--port", "1"],
])
def test_reading_no_lake_exits_3_and_says_how_to_make_one(tmp_path: Path, args: list[str]) -> None:
    missing = run(*args, "--lake", str(tmp_path / "no" / "lake"))
    assert missing.returncode == 3
    assert "no lake at" in one_line(missing) and "bedrock-logbook ingest files" in missing.stderr
    assert not (tmp_path / "no").exists()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("not a lake\n")
    not_a_lake = run(*args, "--lake", str(tmp_path / "notes"))
    assert not_a_lake.returncode == 3
    assert "is not a bedrock-logbook lake" in one_line(not_a_lake)
    assert "bedrock-logbook ingest files" in not_a_lake.stderr
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["todo.txt"]


def test_default_lake_from_the_environment_is_checked_too(tmp_path: Path) -> None:
    r = run("sql", "SELECT 1", env={"BEDROCK_LOGBOOK_LAKE": str(tmp_path / "gone")})
    assert r.returncode == 3 and "no lake at" in one_line(r)


def test_reading_a_lake_exits_0(lake: Path) -> None:
    r = run("sql", "SELECT count(*) AS n FROM invocations", "--format", "csv",
            "--lake", str(lake))
    assert (r.returncode, r.stdout.split()) == (0, ["n", "1"])


@pytest.mark.parametrize("args", [
    ["ingest", "s3", "s3://bucket/x", "--since", "yesterday"],
    ["ingest", "cloudwatch", "--log-group", "g", "--region", "us-east-1", "--since", "yesterday"],
    ["ingest", "s3", "s3://bucket/x", "--since", "2d", "--start", "2025-01-01"],
    ["ingest", "s3", "s3://bucket/x", "--start", "2025-01-02", "--end", "2025-01-01"],
    ["ingest", "s3", "https://example.com/x"],
    ["ingest", "cloudwatch", "--log-group", "g", "--region", "us-east-1", "--stream", "a",
     "--all-streams"],
    ["sql", "SELECT 1", "--param", "no-equals-sign"],
    ["ingest", "files", ".", "--workers", "0"],
])
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, lake: Path, args: list[str]) -> None:
    r = run(*args, "--lake", str(lake))
    assert r.returncode == 2, r.stderr
    one_line(r)
    assert not (lake / "_runs").exists()


def test_unknown_option_exits_2(lake: Path) -> None:
    r = run("sql", "SELECT 1", "--lake", str(lake), "--no-such-option")
    assert r.returncode == 2 and "No such option" in r.stderr


@pytest.mark.parametrize(("args", "env", "says"), [
    (["ingest", "files", "."], {"BEDROCK_LOGBOOK_WORKERS": "many"}, "BEDROCK_LOGBOOK_WORKERS"),
    (["ingest", "files", "/no/such/logs"], {}, "does not exist"),
    (["sql", "SELECT nope"], {}, "SQL error"),
    (["ingest", "cloudwatch", "--log-group", "g"], {}, "AWS_DEFAULT_REGION"),
])
def test_configuration_and_input_errors_exit_3(
    lake: Path, args: list[str], env: dict[str, str], says: str
) -> None:
    r = run(*args, "--lake", str(lake), env=env)
    assert r.returncode == 3, r.stderr
    assert says in one_line(r)


def test_no_region_names_everything_it_looked_at(lake: Path) -> None:
    r = run("ingest", "cloudwatch", "--log-group", "g", "--lake", str(lake))
    message = one_line(r)
    assert r.returncode == 3
    for place in ("--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile 'default'",
                  "/dev/null"):
        assert place in message


def test_aws_unreachable_exits_4(lake: Path) -> None:
    """Nothing listens on the endpoint: after the (here single) attempt, exit 4 and say so."""
    port = free_port()
    r = run("ingest", "s3", "s3://bucket/prefix", "--lake", str(lake),
            "--endpoint-url", f"http://127.0.0.1:{port}",
            env={"AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"})
    assert r.returncode == 4, r.stderr
    assert "cannot reach AWS" in one_line(r)
