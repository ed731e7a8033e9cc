#!/usr/bin/env bash
# Tests the dependency floors: a new venv with every runtime dependency at the lowest version
# pyproject.toml allows (constraints/floor.txt, through pip --constraint), then a fast subset
# of the tests that exercises each of them (ingest, views, CLI, dashboard app, AWS via moto).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
pip="$work/venv/bin/pip"
"$pip" install --quiet --upgrade pip
"$pip" install --quiet --constraint "$repo/constraints/floor.txt" "$repo[test]"
# pip must really have installed the floors (a constraint cannot be silently ignored, but a
# floor that no longer matches pyproject.toml would be; tests/test_dependencies.py checks that).
"$pip" freeze --all | grep -iE "^($(grep -oE '^[A-Za-z0-9_.-]+==' "$repo/constraints/floor.txt" | tr -d '=' | paste -sd'|'))==" \
  | sort -f | tee "$work/installed.txt"
diff <(sort -f "$work/installed.txt") <(grep -E '==' "$repo/constraints/floor.txt" | sort -f)
cd "$work"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$repo" -c "$repo/pyproject.toml" \
  "$repo/tests/core" "$repo/tests/test_cli.py" "$repo/tests/test_queries_api.py" \
  "$repo/tests/test_views_expected.py" "$repo/tests/test_dashboard_app.py" \
  "$repo/tests/test_dashboard_charts.py" "$repo/tests/test_dashboard_panels.py" \
  "$repo/tests/aws/test_s3_source.py" "$repo/tests/aws/test_cloudwatch_source.py"
