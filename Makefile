# Two commands on a fresh machine: `make demo` (install + serve the demo) and `make test` (install + all tests).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install demo serve test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/meteocomptes demo

serve: install
	$(VENV)/bin/meteocomptes serve

lint: install
	$(VENV)/bin/ruff check .

test: install
	bash scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

bench: install
	$(PY) -m benchmarks.run
