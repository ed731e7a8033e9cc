# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LAKE ?= lake
PORT ?= 8501

# `make run` needs only the runtime dependencies; `make test` (and `setup`) add the test and
# lint tools. Each stamp file records what the venv holds.
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.PHONY: run test setup runtime system-deps lint typecheck unit ingest-sample dashboard bench bench-dashboard clean docs test-floor

$(RUNTIME): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@

runtime: $(RUNTIME)

setup: $(DEV)

# Debian's Chromium + ChromeDriver for the real-browser dashboard test (no browser downloads).
system-deps:
	bash scripts/install-system-deps.sh

ingest-sample: runtime
	$(BIN)/bedrock-logbook ingest files sample_logs --lake $(LAKE)
	$(BIN)/bedrock-logbook duckdb-file --lake $(LAKE)
	$(BIN)/bedrock-logbook summary --lake $(LAKE)

dashboard: runtime
	$(BIN)/bedrock-logbook dashboard --lake $(LAKE) --port $(PORT)

run: ingest-sample dashboard

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q

test: setup system-deps lint
	$(BIN)/pytest -q

# Every runtime dependency at its floor (constraints/floor.txt) in a throw-away venv, then a
# fast subset of the tests (~20 min on a busy 2-core machine). .ci/run runs it after `make test`.
test-floor:
	bash scripts/test-floor.sh

bench: setup
	$(BIN)/python bench/ingest_bench.py

bench-dashboard: setup
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) $(LAKE) .pytest_cache .mypy_cache .ruff_cache

docs: setup
	$(BIN)/python scripts/gen_docs.py
