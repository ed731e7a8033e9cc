# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAKE ?= lake
PORT ?= 8501

.PHONY: run test setup system-deps lint typecheck unit ingest-sample dashboard bench bench-dashboard clean docs

$(BIN)/bedrock-logbook: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/bedrock-logbook

# Debian's Chromium + ChromeDriver for the real-browser dashboard test (no browser downloads).
system-deps:
	bash scripts/install-system-deps.sh

ingest-sample: setup
	$(BIN)/bedrock-logbook ingest files sample_logs --lake $(LAKE)
	$(BIN)/bedrock-logbook duckdb-file --lake $(LAKE)
	$(BIN)/bedrock-logbook sql "SELECT * FROM summary_overview" --lake $(LAKE) --format json

dashboard: setup
	$(BIN)/bedrock-logbook dashboard --lake $(LAKE) --port $(PORT)

run: ingest-sample dashboard

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

test: setup system-deps lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python bench/ingest_bench.py

bench-dashboard: setup
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) $(LAKE) .pytest_cache .mypy_cache .ruff_cache

docs: setup
	$(BIN)/python scripts/gen_docs.py
