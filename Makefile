# One task runner. `make demo` and `make test` are the README's Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Storage tests also run on PostgreSQL when it answers here; CI makes it required.
export LISTENER_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test lint typecheck pytest bench bench-cluster clean

$(STAMP):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

demo: $(STAMP)  ## set up, then run the offline demo for a minute
	test -f listener.toml || $(BIN)/listener init
	$(BIN)/listener demo --duration 60
	$(BIN)/listener alerts

test: lint typecheck pytest  ## set up, then ruff, mypy and pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## benchmarks: NLP throughput, NAB scores (reads ../shared/data), replay figures
	$(BIN)/python bench/bench_nlp.py
	$(BIN)/python bench/nab.py
	$(BIN)/python bench/bench_replay.py

bench-cluster: $(STAMP)  ## cluster ingest rate with 1/2/4 workers, latencies (local Redis + PostgreSQL)
	$(BIN)/python bench/bench_cluster.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
