# nadzor: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= nadzor.duckdb

.PHONY: demo test install install-test clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/activate
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test,spark]'
	bash scripts/setup-test-env.sh

# Ingest the bundled real samples, analyse them and say where to look.
demo: install
	$(BIN)/nadzor --db $(DB) demo

# Install with the test extras (PySpark, Chromium) and run the whole suite.
test: install-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(DB).archive
