# Kuznia: `make demo` runs the main job on synthetic national data; `make test` runs the tests.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SEED    ?= 7
# `make serve`'s database: its own SQLite file, so the demo never touches your registry.
DEMO_DB ?= sqlite:///$(CURDIR)/out/demo.db

.PHONY: demo serve test check format bench bench-api bench-resilience bench-execution install lock clean

# Everything pinned from requirements.lock (the dev, web, resilience and bench extras: what CI
# and `make` run against, so a new release upstream cannot break them), then kuznia itself
# without dependencies; the ranges stay in pyproject.toml. `make lock` regenerates the lock.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet -e . --no-deps
	touch $(STAMP)

install: $(STAMP)

# Resolve pyproject's ranges on PyPI for Python 3.11 on Linux (uv), keeping the pins that still
# fit; `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest release.
LOCK_EXTRAS := --extra dev --extra web --extra resilience --extra bench
lock:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml $(LOCK_EXTRAS) --python-version 3.11 \
		--python-platform linux --custom-compile-command 'make lock' $(LOCK_FLAGS) \
		--quiet -o requirements.lock

demo: $(STAMP)
	mkdir -p out
	$(BIN)/kuznia generate national --seed $(SEED) --output out/national.json
	$(BIN)/kuznia plan --input out/national.json --output out/result.json --excel out/plan.xlsx
	@echo
	@echo "The web application: run 'make serve', then open $$($(BIN)/python -c 'from kuznia.cli.demo import served_url; print(served_url())')"
	@$(BIN)/kuznia demo-users --show

# The web application on the national data set, with a demo login for every role and, the
# first time, an approved plan with a few days of deliveries (about half a minute, once).
serve: $(STAMP)
	mkdir -p out
	test -f out/national.json || $(BIN)/kuznia generate national --seed $(SEED) --output out/national.json
	KUZNIA_DATABASE_URL=$(DEMO_DB) $(BIN)/kuznia db upgrade
	KUZNIA_DATABASE_URL=$(DEMO_DB) $(BIN)/kuznia demo-users --data out/national.json --execution
	KUZNIA_DATABASE_URL=$(DEMO_DB) $(BIN)/kuznia serve

# The browser tests need /usr/bin/chromium: installed first when missing (scripts/ensure-chromium.sh).
# Two processes, each given whole files, the longest first (tests/conftest.py's LONGEST_FIRST).
test: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# The gates (configured in pyproject.toml): ruff with complexity (C90, max 12), bandit (S),
# unused arguments (ARG), naive datetimes (DTZ) and pytest style (PT) over src, tests and
# benchmarks; ruff's formatting; mypy --strict over src.
check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --output docs/benchmarks.md

bench-api: $(STAMP)
	$(BIN)/python benchmarks/api_load.py --output docs/benchmarks-api.md

bench-resilience: $(STAMP)
	$(BIN)/python benchmarks/resilience.py --output docs/benchmarks-resilience.md

# PostgreSQL from KUZNIA_BENCH_DATABASE_URL (default: the local `test` database); RUNS runs of
# EVENTS single events, then of BATCH_EVENTS in batches of 500; WORKERS server processes
bench-execution: $(STAMP)
	$(BIN)/python benchmarks/execution_load.py --events $(or $(EVENTS),20000) --batch-events $(or $(BATCH_EVENTS),100000) --runs $(or $(RUNS),3) --workers $(or $(WORKERS),2) --output docs/benchmarks-execution.md --summary docs/benchmarks.md

clean:
	rm -rf out build dist .pytest_cache .mypy_cache .ruff_cache
