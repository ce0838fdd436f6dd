# The two set-up commands in the README are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench bench-scale audit clean browser notebooks workbench screenshots

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/idgraph demo --people 2000 --seed 7 --out demo

# The workbench on the demo council at http://127.0.0.1:8765/workbench/ (Ctrl-C stops it): makes
# the demo if it is not there and a user demo-admin, whose generated password is printed once
# (`.venv/bin/idgraph --store demo/demo.idgraph.db users password demo-admin` makes a new one).
workbench: $(STAMP)
	@test -f demo/demo.idgraph.db || $(MAKE) demo
	@$(BIN)/idgraph --store demo/demo.idgraph.db users list | grep -q '^ *demo-admin ' || \
		$(BIN)/idgraph --store demo/demo.idgraph.db users add demo-admin --role admin
	$(BIN)/idgraph --store demo/demo.idgraph.db serve

# The README's screenshots of the workbench (docs/screenshots/*.png), in Debian's chromium
screenshots: $(STAMP) browser
	$(BIN)/python docs/screenshots/shoot.py

# The workbench's browser tests (tests/workbench) drive Debian's chromium through Playwright's
# Python package (its driver is in the wheel; `playwright install` is never run).
CHROMIUM ?= /usr/bin/chromium

browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get install -y chromium || (apt-get update && apt-get install -y chromium); \
	else echo "the browser tests need Debian's chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium' (or 'make browser' as root), then 'make test' again" >&2; exit 1; fi

test: $(STAMP) browser
	$(BIN)/ruff check identity_graph tests benchmarks
	$(BIN)/pytest -q

# Re-execute notebooks/*.ipynb and write their outputs in place (they are committed with them);
# the investigator's notebook runs its Cypher on the test suite's Neo4j in .neo4j-test/, wiped
# first (never the database NEO4J_URI names). Name some: make notebooks NOTEBOOKS=notebooks/01_getting_started.ipynb
notebooks: $(STAMP)
	$(BIN)/python tests/integration/test_notebooks.py $(NOTEBOOKS)

lint: $(STAMP)
	$(BIN)/ruff check identity_graph tests benchmarks
	$(BIN)/ruff format --check identity_graph tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format identity_graph tests benchmarks
	$(BIN)/ruff check --fix identity_graph tests benchmarks

BENCH_STAMP := $(VENV)/.bench-installed

# Splink is a benchmark-only dependency (the `bench` extra): only `make bench` installs it.
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]' --config-settings editable_mode=compat
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --suite standard --engines ours,splink --write-md

# 1.3M and 2.6M records: our engine and Splink (which runs out of memory at 2.6M: recorded, not fatal)
bench-scale: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --suite scale --engines ours,splink --write-md --md-section scale --out benchmarks/out/results-scale.json

AUDIT_STAMP := $(VENV)/.audit-installed

$(AUDIT_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,audit]' --config-settings editable_mode=compat
	touch $(AUDIT_STAMP)

# Known vulnerabilities in every installed dependency (pip-audit, PyPI's advisory data): fails on
# any, and --strict fails too when a package could not be checked (an audit that could not ask
# is not a pass). Outside `make test`: the advisory service does not answer from every machine.
audit: $(AUDIT_STAMP)
	$(BIN)/pip-audit --strict --skip-editable --desc on --progress-spinner off

clean:
	rm -rf $(VENV) demo .pytest_cache
