# Passerelle — developer commands. See docs/development.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Interpreter used only to create the virtual environment.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(PY) manage.py

# Keep these in step with scripts/check_translations.sh.
LANGS := -l fr -l en
I18N_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=var --ignore=node_modules

PYTEST_ARGS ?=
# Port of `make run` (make run PORT=8001 when 8000 is taken).
PORT ?= 8000
# Test processes (pytest-xdist): one per core; 0 runs the suite in this process.
PYTEST_WORKERS ?= auto

.PHONY: help venv install run serve demo-code test bench lint messages check-messages clean

help:
	@echo "make install         create .venv, install the project (editable, with dev extras), compile messages"
	@echo "make run             migrate, load the demo data, serve on http://127.0.0.1:8000 with the jobs worker (PORT=8001 for another port)"
	@echo "make serve           production setup: PostgreSQL, gunicorn behind nginx (https://localhost:8443), worker (docs/deployment.md)"
	@echo "make demo-code       print the current two-factor code of the demo accounts"
	@echo "make test            run the test suite on every core (PYTEST_ARGS='-k foo' to select; PYTEST_WORKERS=0 for one process; DATABASE_URL=... for PostgreSQL)"
	@echo "make bench           run every bench/*.py"
	@echo "make lint            ruff check ."
	@echo "make messages        regenerate locale/{fr,en} catalogues, then compile them"
	@echo "make check-messages  fail if the committed catalogues are stale or French is incomplete"
	@echo "make clean           remove caches and compiled files (keeps .venv and var/)"

$(PY):
	@test -n "$(PYTHON)" || { echo "No python3.11 or python3 found." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

install: venv
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)." >&2; exit 1; }
	$(MANAGE) compilemessages --ignore=.venv

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	# The jobs worker (reminders, expiry, mail; docs/operations.md) runs beside the server
	# and stops with it.
	$(MANAGE) run_jobs & worker=$$!; \
	trap 'kill $$worker 2>/dev/null || true; wait $$worker 2>/dev/null || true' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Production setup on one machine (scripts/serve.sh; docs/deployment.md). Ctrl-C stops it.
serve: install
	bash scripts/serve.sh

demo-code:
	@$(MANAGE) demo_code

test: install
	# One hash seed for every worker: parametrised ids built from sets are collected alike.
	PYTHONHASHSEED=0 PASSERELLE_ENV=test $(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install
	@shopt -s nullglob; \
	files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "No benchmarks in bench/ — nothing to run."; exit 0; fi; \
	for f in "$${files[@]}"; do \
		echo "=== $$f"; \
		PASSERELLE_ENV=test DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH="$(CURDIR)" $(PY) "$$f"; \
	done

lint: venv
	$(VENV)/bin/ruff check .

messages: venv
	$(MANAGE) makemessages $(LANGS) $(I18N_IGNORE) --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

check-messages: venv
	bash scripts/check_translations.sh

clean:
	find . -path ./.venv -prune -o -type d -name __pycache__ -print0 | xargs -0 -r rm -rf
	find locale -name '*.mo' -delete 2>/dev/null || true
	rm -rf .pytest_cache .ruff_cache .hypothesis .schemathesis staticfiles test-results build *.egg-info
	rm -f var/test.sqlite3
