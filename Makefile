# The README's two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test install eval bench clean

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

## Matching quality on the dev evaluation set.
eval: install
	$(BIN)/python ../shared/eval/evaluate.py ../shared/eval/dev

## Speed of /api/v1/match at 130, 10,000 and 100,000 offers.
bench: install
	$(BIN)/python benchmarks/bench_match.py

clean:
	rm -rf $(VENV) instance test-artifacts node_modules
