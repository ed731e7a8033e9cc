"""The built wheel, as a user gets it: it builds without a warning, holds only the
`bedrock_logbook` namespace with its SQL and CSV data, and, installed into a new venv outside
the repository, `sample`, `ingest files`, `sql`, `views`, `summary` and `dashboard` work.

One test builds and installs once (pip's cache makes the install ~1-2 min)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from bedrock_logbook import queries
from tests.servers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bedrock_logbook"


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 900
         ) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _source_files() -> set[str]:
    """What the wheel must carry: every module and every data file of the package."""
    return {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix in (".py", ".sql", ".csv") and "__pycache__" not in p.parts}


def test_wheel_builds_cleanly_installs_alone_and_runs(tmp_path: Path) -> None:
    # Nothing from this checkout leaks in: no PYTHONPATH, no venv, no bytecode switch (with
    # PYTHONDONTWRITEBYTECODE setuptools warns that it skips byte-compiling).
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
           and not k.startswith("BEDROCK_LOGBOOK_")}
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "bedrock_logbook",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    build = _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w",
                  str(tmp_path / "dist"), "-v"], tmp_path, env)
    warnings = [line for line in (build.stdout + build.stderr).splitlines()
                if "warning" in line.lower() and "is ignored" not in line]
    assert warnings == []
    (wheel,) = (tmp_path / "dist").glob("bedrock_logbook-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {
        "bedrock_logbook"}
    assert {n for n in names if not n.split("/")[0].endswith(".dist-info")} == _source_files()

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
         tmp_path, env)
    work = tmp_path / "work"
    work.mkdir()
    py, cli = str(venv / "bin" / "python"), str(venv / "bin" / "bedrock-logbook")
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"

    where = _run([py, "-c", "import bedrock_logbook; print(bedrock_logbook.__file__)"], work, env)
    assert where.stdout.startswith(str(venv))
    for generic in ("ingest", "queries", "dashboard"):
        r = subprocess.run([py, "-c", f"import {generic}"], cwd=work, env=env,
                           capture_output=True, text=True)
        assert r.returncode != 0 and "ModuleNotFoundError" in r.stderr, generic

    _run([cli, "sample", "--records", "300", "--out", "logs"], work, env)
    ingest = json.loads(_run([cli, "ingest", "files", "logs", "--lake", "lake", "--json"],
                             work, env).stdout)
    assert ingest["balanced"] and (ingest["lines"], ingest["rows_written"]) == (300, 300)
    counted = json.loads(_run([cli, "sql", "SELECT count(*) AS n FROM invocations",
                               "--format", "json", "--lake", "lake"], work, env).stdout)
    assert counted == [{"n": ingest["rows_written"]}]
    views = _run([cli, "views", "--lake", "lake"], work, env).stdout.splitlines()
    assert {line.split()[0] for line in views} == {v.name for v in queries.list_views()}
    summary = _run([cli, "summary", "--lake", "lake"], work, env).stdout
    assert f"{ingest['rows_written']} requests" in summary

    port = free_port()
    server = subprocess.Popen([cli, "dashboard", "--lake", "lake", "--port", str(port)],
                              cwd=work, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server, timeout=90)
    finally:
        server.terminate()
        server.wait(timeout=20)
