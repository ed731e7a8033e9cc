"""Every README line works as written: each ```python block runs in a folder holding the
sample lake as ./lake, each `bedrock-logbook ...` line's command answers --help and knows every
option the line uses, and each `make` target it names exists. (Its SQL examples run in
tests/test_docs_sql.py.)"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bedrock_logbook.cli import main
from bedrock_logbook.ingest.lake import LakeLock
from bedrock_logbook.ingest.objects import list_local, read_local
from bedrock_logbook.ingest.pipeline import IngestOptions, ingest_objects

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def cli_lines() -> list[str]:
    """Every `bedrock-logbook ...` command line: in code blocks and in inline code."""
    lines = [line for block in blocks("sh") + blocks("") for line in block.splitlines()]
    lines += re.findall(r"`(bedrock-logbook [^`]*)`", README)
    found = []
    for line in lines:
        for part in line.split("&&"):
            part = part.split("#", 1)[0].strip()
            if part.startswith("bedrock-logbook "):
                found.append(part)
    return sorted(set(found))


def command_path(tokens: list[str]) -> tuple[list[str], click.Command]:
    """The sub-command words at the start of ``tokens`` and the click command they name."""
    path: list[str] = []
    command: click.Command = main
    for token in tokens:
        if not isinstance(command, click.Group) or token not in command.commands:
            break
        command = command.commands[token]
        path.append(token)
    return path, command


@pytest.fixture(scope="module")
def sample_lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    files, skipped = list_local(ROOT / "sample_logs")
    with LakeLock(folder / "lake"):
        ingest_objects(folder / "lake", read_local(files), skipped=skipped,
                       options=IngestOptions(workers=1, salt="readme"))
    return folder


def test_readme_has_examples() -> None:
    assert blocks("python") and len(cli_lines()) >= 10


@pytest.mark.parametrize("code", blocks("python"))
def test_python_block_runs_as_written(sample_lake_dir: Path, code: str) -> None:
    # Outside the repository, so only the installed package can answer the imports.
    r = subprocess.run([sys.executable, "-c", code], cwd=sample_lake_dir, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip(), "the example printed nothing"


@pytest.mark.parametrize("line", cli_lines())
def test_cli_line_has_help_and_knows_its_options(line: str) -> None:
    tokens = shlex.split(line.replace("|", " "))[1:]
    path, command = command_path(tokens)
    assert path, f"{line}: no such command"
    r = subprocess.run([str(Path(sys.executable).parent / "bedrock-logbook"), *path, "--help"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "Usage:" in r.stdout, r.stderr
    for option in (t.split("=", 1)[0] for t in tokens if t.startswith("--")):
        assert option in r.stdout, f"{line}: {option} is not an option of {' '.join(path)}"


@pytest.mark.parametrize("target", sorted(set(re.findall(r"^make (\w[\w-]*)", README, re.M))
                                          | set(re.findall(r"`make (\w[\w-]*)`", README))))
def test_make_target_exists(target: str) -> None:
    r = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


# Lines that only read the lake (or print), run as written in a shell in the sample-lake folder;
# `--format table|csv|json` runs once per format.
READ_ONLY = ("views", "summary", "sql", "duckdb-file", "schema-doc")


def runnable_lines() -> list[str]:
    out = []
    for line in cli_lines():
        if line.split()[1] not in READ_ONLY:
            continue
        if "table|csv|json" in line:
            out += [line.replace("table|csv|json", fmt) for fmt in ("table", "csv", "json")]
        else:
            out.append(line)
    return out


@pytest.mark.parametrize("line", runnable_lines())
def test_read_only_cli_line_runs_as_written(sample_lake_dir: Path, line: str) -> None:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(sample_lake_dir)}
    r = subprocess.run(["bash", "-c", line], cwd=sample_lake_dir, capture_output=True,
                       text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip(), f"{line}: printed nothing"
