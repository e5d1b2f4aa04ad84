PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench bench-quality postgres clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Error: $(PY) not found"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	rm -f examples/linkwatch.db
	$(BIN)/linkwatch extract examples/reports --format text
	$(BIN)/linkwatch ingest examples/reports --db sqlite:///examples/linkwatch.db

# the store suite runs against SQLite and a private PostgreSQL cluster started here
test: $(STAMP)
	@url=$$(scripts/postgres.sh start) || { echo "Error: could not start PostgreSQL"; exit 1; }; \
	LINKWATCH_TEST_PG="$$url" $(BIN)/python -m pytest; rc=$$?; \
	scripts/postgres.sh stop >/dev/null 2>&1 || true; exit $$rc

bench: $(STAMP)
	$(BIN)/python bench/throughput.py

bench-quality: $(STAMP)
	$(BIN)/python bench/quality/run_all.py

postgres:
	scripts/postgres.sh start

clean:
	rm -rf $(VENV) build *.egg-info
