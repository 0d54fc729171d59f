# Ethos: the two commands in the README are `make demo` and `make test`.
# Every target sets up what it needs on a fresh machine (a .venv with pinned packages).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Ethos needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: synthesise a trust, analyse it, print a summary and write the results files
demo: $(STAMP)
	$(BIN)/ethos demo --out demo-output

## test: the whole test suite, including the national-size synthetic run
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## test-fast: everything except the slow national-size checks
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

## lint: ruff (check and format) on everything, mypy on the statistics core
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: print the benchmark figures (not timed tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/national_cube.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache .hypothesis
