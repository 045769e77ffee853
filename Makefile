# The README's two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test lint install eval bench load clean

$(BIN)/civilmatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(BIN)/civilmatch

PORT   ?= 5000

## Start the service on http://127.0.0.1:$(PORT) with the demo catalogue; prints demo logins (make run PORT=8080).
run: install
	$(BIN)/civilmatch serve --port $(PORT)

## Install the test dependencies and run the whole suite (browser tests need Debian's chromium and
## `npm install` for axe-core; without them they are skipped, except under CI=true where they must run).
test: install
	@[ -d node_modules/axe-core ] || ! command -v npm >/dev/null || npm install --no-audit --no-fund --silent
	$(BIN)/pytest $(PYTEST_ARGS)

## Lint (ruff) and type check (mypy), with the settings in pyproject.toml; CI runs this before the tests.
lint: install
	$(BIN)/ruff check catalog matcher web tests benchmarks
	$(BIN)/mypy catalog matcher web

## Matching quality on the dev evaluation set.
eval: install
	$(BIN)/python ../shared/eval/evaluate.py ../shared/eval/dev

## Speed and memory at national scale on distinct generated offers, against tantivy and bm25s, and over
## HTTP with gunicorn (BENCH_ARGS="--sizes 10000 --http 2000" for a quick run; 300000 is a size too).
BENCH_ARGS ?= --sizes 10000,100000 --http 10000
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_scale.py $(BENCH_ARGS)

## gunicorn under 50 concurrent clients for 60 s at 10,000 offers; `make load ARGS=--fault` stops PostgreSQL mid-load.
load: install
	$(BIN)/python benchmarks/load.py $(ARGS)

clean:
	rm -rf $(VENV) instance test-artifacts node_modules
