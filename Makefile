# Whirlwind: every command the README and CI use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini
PG_URL_BASE ?= postgresql+psycopg://postgres@127.0.0.1:5432
PG_TEST_DB := whirlwind_test_$(shell echo $$$$)
# The suite runs in two steps: most of it on two pytest-xdist workers (one per core), then
# the API tests (their last test checks that the whole directory exercised every documented
# operation) and the browser journeys (one live server) in one process.
SERIAL_TESTS := tests/api tests/browser
PYTEST_ARGS ?=

.PHONY: run install test test-quick test-sqlite test-postgres browser-deps lint format initdb demo serve clean bench

$(BIN)/whirlwind: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools<81' wheel
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(BIN)/whirlwind

install: $(BIN)/whirlwind

var:
	mkdir -p var

initdb: install var
	$(BIN)/whirlwind initdb $(INI)

demo: initdb
	$(BIN)/whirlwind demo $(INI)

## run: install, migrate, load demo data once, start the indexer and serve on :6543
run: demo
	$(BIN)/python -m whirlwind.serve $(INI)

## browser-deps: Debian's chromium and a Chinese font for the browser journeys (Playwright
## drives /usr/bin/chromium, it downloads no browser). Without root or apt-get the journeys
## are skipped with a message in the test summary.
browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "== installing$$missing for the browser journeys (apt-get)"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null)) \
	      || echo "WARNING: could not install$$missing; browser journeys will be skipped with a message"; \
	  else echo "WARNING: missing$$missing and cannot apt-get (not root); browser journeys will be skipped"; fi; \
	fi

## test: the whole suite on SQLite, then on PostgreSQL when 127.0.0.1:5432 answers
test: install browser-deps test-sqlite test-postgres

## test-quick: SQLite, without the tests marked slow (real processes, servers) or browser
test-quick: install
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser" $(PYTEST_ARGS)

test-sqlite: install
	$(BIN)/python -m pytest -n 2 $(foreach t,$(SERIAL_TESTS),--ignore=$(t)) $(PYTEST_ARGS)
	$(BIN)/python -m pytest $(SERIAL_TESTS) $(PYTEST_ARGS)

test-postgres: install
	@if $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== PostgreSQL reachable: running the suite on $(PG_TEST_DB)"; \
	  $(BIN)/python -m whirlwind.testing.pgdb create $(PG_URL_BASE)/$(PG_TEST_DB) && \
	  WHIRLWIND_TEST_DB_URL=$(PG_URL_BASE)/$(PG_TEST_DB) $(BIN)/python -m pytest -n 2 $(foreach t,$(SERIAL_TESTS),--ignore=$(t)) $(PYTEST_ARGS) && \
	  WHIRLWIND_TEST_DB_URL=$(PG_URL_BASE)/$(PG_TEST_DB) $(BIN)/python -m pytest $(SERIAL_TESTS) $(PYTEST_ARGS); \
	  status=$$?; \
	  $(BIN)/python -m whirlwind.testing.pgdb drop $(PG_URL_BASE)/$(PG_TEST_DB); \
	  exit $$status; \
	else echo "== PostgreSQL not reachable on 127.0.0.1:5432: PostgreSQL run skipped"; fi

lint: install
	$(BIN)/ruff check src tests benchmarks alembic
	$(BIN)/ruff format --check src tests benchmarks

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf var .pytest_cache
