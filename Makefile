# Compute Ledger — the commands a user and CI run. `make run` and `make test` build the
# environment first when it is missing or older than the lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test test-fast lint format ui bench soak lock report extract-eval

$(BIN)/compute-ledger: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

## Materialize every asset on the bundled data and print the marts.
run: $(BIN)/compute-ledger $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/compute-ledger run

## Tests on both cores; one worker runs the tests that start servers, one after the other.
XDIST ?= -n 2 --dist loadgroup

## The lint and format check, then the whole test suite (CI runs this).
test: lint $(BIN)/compute-ledger $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

## The suite without the slow end-to-end tests (browser, servers, soak): for quick edits.
test-fast: $(BIN)/compute-ledger $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

## Ruff: lint rules and formatting as pyproject.toml sets them (`make format` applies them).
lint: $(BIN)/compute-ledger
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/compute-ledger
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## The Dagster UI on localhost:$(PORT). Ctrl-C, or SIGTERM to make, stops it and every
## process it started (`exec`: make signals this command directly, not a shell).
## Rebuild data/report/index.html from the warehouse (no run) and print its path.
report: $(BIN)/compute-ledger
	$(BIN)/compute-ledger report

# recall and precision of the article extraction: on the development set the rules were
# tuned on, and on the held-out set written after them (README)
extract-eval: $(BIN)/compute-ledger
	$(BIN)/python -m ledger.extract.evaluate tests/extract_dev tests/extract_holdout tests/extract_holdout2 $(if $(VERBOSE),--verbose)

ui: $(BIN)/compute-ledger $(DAGSTER_HOME)/dagster.yaml
	exec $(BIN)/compute-ledger ui --host 127.0.0.1 --port $(PORT)

## Re-resolve requirements.lock from pyproject.toml (needs network to PyPI).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock

ROWS ?= 100000
## The benchmark: the pipeline against bare DuckDB (and pandas) on ROWS generated quotes.
bench: $(BIN)/compute-ledger
	$(BIN)/python -m bench.run --rows $(ROWS) $(BENCH_ARGS)

SOAK_ARGS ?= --minutes 3
## The landing folder under load and faults; checks nothing is lost or stuck (bench/soak.py).
soak: $(BIN)/compute-ledger
	$(BIN)/python -m bench.soak $(SOAK_ARGS)
