# The two commands a new user needs: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint typecheck fmt install bench clean openapi browser

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser journeys drive Debian's Chromium (no browser download): install it if missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

## Serve platform, housing and sandbox on http://127.0.0.1:8000 (migrates and seeds first).
run: $(STAMP)
	$(BIN)/anju seed
	$(BIN)/anju serve

## The whole suite on SQLite, then on PostgreSQL when ANJU_TEST_POSTGRES_URL is set; lint and types too.
test: $(STAMP) browser lint typecheck test-sqlite
	@if [ -n "$$ANJU_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "ANJU_TEST_POSTGRES_URL not set: PostgreSQL run skipped (CI sets it)"; fi

test-sqlite: $(STAMP) browser
	ANJU_TEST_BACKEND=sqlite $(BIN)/pytest -q -p no:cacheprovider -n 2

test-postgres: $(STAMP) browser
	ANJU_TEST_BACKEND=postgres $(BIN)/pytest -q -p no:cacheprovider  # serial: the test databases are shared

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## Regenerate the OpenAPI documents in docs/interfaces/ from the code.
openapi: $(STAMP)
	$(BIN)/python -m anju.interfaces

bench: $(STAMP)
	$(BIN)/python bench/signing.py
	PYTHONPATH=. $(BIN)/python bench/outbox.py
	PYTHONPATH=. $(BIN)/python bench/backfill.py
	PYTHONPATH=. $(BIN)/python bench/burden.py
	PYTHONPATH=. $(BIN)/python bench/pipeline.py
	PYTHONPATH=. $(BIN)/python bench/progress.py
	$(BIN)/python bench/population.py --people 100000

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
