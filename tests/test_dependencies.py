"""Declared dependencies match the code: every one is imported, every import is declared, and
the floors `make test-floor` installs are the floors pyproject.toml states."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Distribution name -> the module the code imports, where they differ.
IMPORT_NAME = {"pyyaml": "yaml", "genai-prices": "genai_prices"}
# Imported only for type checking (mypy), provided by the test extras' stubs.
TYPE_ONLY = {"mypy_boto3_s3", "mypy_boto3_logs"}


def _requirement(text: str) -> tuple[str, str | None]:
    """'duckdb>=2.0' -> ('duckdb', '2.0'); a pin 'x==0.2.3' -> ('x', '0.2.3'), its own floor;
    'boto3' -> ('boto3', None)."""
    m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(?:(?:>=|==)\s*([0-9][^,;\s]*))?", text)
    assert m, text
    return m.group(1).lower(), m.group(2)


def runtime_requirements() -> dict[str, str | None]:
    return dict(_requirement(r) for r in PYPROJECT["project"]["dependencies"])


def optional_requirements(extra: str) -> dict[str, str | None]:
    return dict(_requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][extra])


def third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "bedrock_logbook").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {m for m in found
            if m not in sys.stdlib_module_names and m not in {"bedrock_logbook", "__future__"}
            and m not in TYPE_ONLY}


def test_every_declared_dependency_is_imported() -> None:
    imported = third_party_imports()
    unused = [d for d in runtime_requirements() if IMPORT_NAME.get(d, d) not in imported]
    assert unused == []


def test_every_import_is_declared() -> None:
    declared = {IMPORT_NAME.get(d, d) for d in runtime_requirements()}
    # botocore comes with boto3 and is only imported beside it (ingest/sources); starlette
    # comes with streamlit (>= 1.57), whose st.App middleware dashboard/server.py uses.
    undeclared = sorted(third_party_imports() - declared - {"botocore", "starlette"})
    assert undeclared == []


def test_every_runtime_dependency_has_a_floor() -> None:
    assert all(floor for floor in runtime_requirements().values()), runtime_requirements()


def test_floor_constraints_pin_exactly_the_declared_floors() -> None:
    pinned = {}
    for line in (ROOT / "constraints" / "floor.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.lower()] = version

    def same(a: str, b: str) -> bool:  # 2.0 == 2.0.0
        return a.split(".") + ["0"] * (3 - len(a.split("."))) == \
            b.split(".") + ["0"] * (3 - len(b.split(".")))

    declared = runtime_requirements()
    assert set(pinned) == set(declared)
    assert [n for n, floor in declared.items() if not same(pinned[n], floor or "")] == []


def _make_dry_run(target: str, tmp_path: Path) -> str:
    import subprocess

    r = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_make_run_installs_the_runtime_only_and_make_test_the_extras(tmp_path: Path) -> None:
    run = _make_dry_run("run", tmp_path)
    assert "pip install --quiet -e .\n" in run and "[test]" not in run
    assert "bedrock-logbook dashboard" in run
    assert "pip install --quiet -e '.[test,spark]'" in _make_dry_run("test", tmp_path)
