# The two commands a new user needs: `make run` and `make test`. Each creates .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every dependency comes from a lock file with hashes (decision 0019): what a newcomer installs is what CI
# tested. run.lock is what the service needs; dev.lock adds the test and lint tools at the same versions.
RUN_LOCK := requirements/run.lock
DEV_LOCK := requirements/dev.lock
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check
LOCK := $(BIN)/uv pip compile pyproject.toml requirements/build.in --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock"

.PHONY: run test test-sqlite test-postgres lint typecheck fmt install bench clean openapi browser proxy engine lock lock-upgrade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): $(RUN_LOCK) pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r $(RUN_LOCK)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

$(STAMP): $(DEV_LOCK) $(RUN_STAMP)
	$(PIP_INSTALL) --require-hashes -r $(DEV_LOCK)
	touch $@

install: $(STAMP)

## Re-resolve the lock files after a change to pyproject.toml, keeping every version that still fits.
lock: $(STAMP)
	$(LOCK) -o $(RUN_LOCK)
	$(LOCK) --extra dev -c $(RUN_LOCK) -o $(DEV_LOCK)

## Upgrade every dependency on purpose: newest versions into the lock files, installed, then the whole suite.
lock-upgrade: $(STAMP)
	$(LOCK) --upgrade -o $(RUN_LOCK)
	$(LOCK) --upgrade --extra dev -c $(RUN_LOCK) -o $(DEV_LOCK)
	$(MAKE) --no-print-directory test

# The browser journeys drive Debian's Chromium (no browser download): install it if missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

## Serve platform, housing and sandbox on http://127.0.0.1:8000 (migrates and seeds first).
run: $(RUN_STAMP)
	$(BIN)/anju seed
	$(BIN)/anju serve

## The whole suite on SQLite, then on PostgreSQL when ANJU_TEST_POSTGRES_URL is set; lint and types too.
test: $(STAMP) browser lint typecheck test-sqlite
	@if [ -n "$$ANJU_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "ANJU_TEST_POSTGRES_URL not set: PostgreSQL run skipped (CI sets it)"; fi

test-sqlite: $(STAMP) browser
	ANJU_TEST_BACKEND=sqlite $(BIN)/pytest -q -p no:cacheprovider -n 2 -m "not production_shape and not image"

test-postgres: $(STAMP) browser proxy engine
	ANJU_TEST_BACKEND=postgres $(BIN)/pytest -q -p no:cacheprovider  # serial: the test databases are shared

# The production shape (`anju deploy local`, decision 0033) balances replicas with Debian's HAProxy.
proxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's haproxy for the production shape"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; \
	  else echo "The production shape needs HAProxy: sudo apt-get install haproxy" >&2; exit 1; fi; }

# The container image (deploy/image) is built and run in a Docker engine: Debian's docker.io, started here
# with host networking only when none runs, and debootstrap for the image's base.
engine:
	@command -v debootstrap >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's docker.io and debootstrap for the container image"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null; \
	  else echo "The image test needs a Docker engine and debootstrap: sudo apt-get install docker.io debootstrap" >&2; exit 1; fi; }
	@docker info >/dev/null 2>&1 || { \
	  echo "starting dockerd (host networking only, log in var/dockerd.log)"; mkdir -p var; \
	  (setsid dockerd --iptables=false --ip6tables=false --bridge=none >var/dockerd.log 2>&1 &); \
	  for _ in $$(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; \
	  docker info >/dev/null 2>&1 || { tail -n 20 var/dockerd.log >&2; exit 1; }; }

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
