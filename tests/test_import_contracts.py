"""Dependencies point one way (DEVELOPERS.md practice 1), checked on the source text:
dashboard -> queries; ingest stands alone; only ingest/sources imports boto3; nothing imports
dashboard; the settings module imports no project package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "bedrock_logbook"
PACKAGES = {"ingest", "queries", "dashboard", "lake"}
PROJECT = PACKAGES | {"bedrock_logbook"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "bedrock_logbook":
            # `from bedrock_logbook import queries` imports the sub-package
            found.update(f"bedrock_logbook.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(package: str) -> list[Path]:
    """The modules of one area: a sub-package, or "bedrock_logbook" for the CLI shell."""
    if package == "bedrock_logbook":
        return sorted(ROOT.glob("*.py"))
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    """The area a module belongs to: bedrock_logbook.ingest.x -> ingest; the shell's own
    modules (cli, settings) -> bedrock_logbook; anything else -> its top-level name."""
    parts = name.split(".")
    if parts[0] != "bedrock_logbook":
        return parts[0]
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else "bedrock_logbook"


RULES: dict[str, set[str]] = {
    # package: project packages it may import
    # lake: where the lake lives (location, catalog, current files), shared by writers and
    # readers; it imports no other project package.
    "lake": {"lake"},
    "ingest": {"ingest", "lake"},
    "queries": {"queries", "lake"},
    "dashboard": {"dashboard", "queries", "bedrock_logbook"},
    "bedrock_logbook": {"bedrock_logbook", "ingest", "queries", "lake"},
}


@pytest.mark.parametrize("package", sorted(RULES))
def test_project_imports_point_one_way(package: str) -> None:
    bad = []
    for path in modules(package):
        for name in imports_of(path):
            if top(name) in PROJECT and top(name) not in RULES[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, bad


def test_dashboard_uses_only_settings_from_the_shell() -> None:
    for path in modules("dashboard"):
        for name in imports_of(path):
            if top(name) == "bedrock_logbook":
                assert name == "bedrock_logbook.settings", f"{path} imports {name}"


def test_settings_module_is_a_leaf() -> None:
    names = imports_of(ROOT / "settings.py")
    assert not {top(n) for n in names} & PROJECT


def test_only_ingest_sources_imports_boto3() -> None:
    offenders = []
    for package in sorted(PROJECT):
        for path in modules(package):
            if {top(n) for n in imports_of(path)} & {"boto3", "botocore"}:
                rel = path.relative_to(ROOT).as_posix()
                if not rel.startswith("ingest/sources/"):
                    offenders.append(rel)
    assert not offenders, offenders


def test_nothing_imports_dashboard() -> None:
    for package in ("ingest", "queries", "bedrock_logbook"):
        for path in modules(package):
            assert "dashboard" not in {top(n) for n in imports_of(path)}, path


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checker itself works: a module importing boto3 and dashboard is flagged."""
    bad = tmp_path / "bad.py"
    bad.write_text("import boto3\nfrom bedrock_logbook.dashboard import app\n")
    assert {"boto3", "dashboard"} <= {top(n) for n in imports_of(bad)}
