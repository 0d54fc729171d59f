# Ethos: the two commands in the README are `make demo` and `make test`.
# Every target sets up what it needs on a fresh machine: a .venv with pinned Python packages
# and node_modules/ with the pinned front-end assets (package-lock.json).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest -n 2 -q

.PHONY: demo demo-analysis test test-sqlite test-postgres test-fast lint bench clean

$(STAMP): pyproject.toml package.json package-lock.json
	@command -v $(PYTHON) >/dev/null || { echo "Ethos needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	@command -v npm >/dev/null || { echo "Ethos needs Node.js and npm for its front-end assets"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

## demo: build a synthetic 6,000-staff trust in a fresh Ethos (demo-data/), print the sign-ins
## and links, and serve it on http://127.0.0.1:8000 until Ctrl-C
demo: $(STAMP)
	$(BIN)/ethos demo

## demo-analysis: the command-line demo (synthesise, analyse, print a summary; no server)
demo-analysis: $(STAMP)
	$(BIN)/ethos demo-analysis --out demo-output

## test: the whole suite on SQLite, then again on a throwaway PostgreSQL cluster
## (there without the national-size and browser checks, which do not touch the database)
test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(PYTEST)

test-postgres: $(STAMP)
	scripts/with-postgres.sh $(PYTEST) -m "not slow and not browser"

## test-fast: everything except the slow national-size checks, on SQLite
test-fast: $(STAMP)
	$(PYTEST) -m "not slow"

## lint: ruff (check and format) on everything, mypy on the statistics core
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: print the benchmark figures (not timed tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/national_cube.py

clean:
	rm -rf $(VENV) node_modules demo-output demo-data .pytest_cache .mypy_cache .ruff_cache .hypothesis

## bench-web: the web benchmarks against a real gunicorn (submissions, then the heatmap)
.PHONY: bench-web
bench-web: $(STAMP)
	$(BIN)/python benchmarks/web_submissions.py
	$(BIN)/python benchmarks/web_heatmap.py

## bench-crash: 200 SIGKILLs of the server (and PostgreSQL) under load on each database, plus
## a full disk and an fsync error at commit; prints what was acknowledged, lost and duplicated
.PHONY: bench-crash
bench-crash: $(STAMP)
	$(BIN)/python benchmarks/crash_consistency.py

## bench-load: a 9am email blast of a 10,000-staff trust at 10x its peak, every respondent's
## whole journey over HTTP against 2 gunicorn workers; errors, losses, p50/p95/p99 (~3 min)
.PHONY: bench-load
bench-load: $(STAMP)
	$(BIN)/python benchmarks/load_blast.py
