# Custos: the commands that matter are `make run` and `make test` (see README.md).
# Everything runs inside .venv, created here from Python 3.11.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run test test-browser lint format bench fuzz-api openapi smoke clean

help:
	@echo "make run    install, migrate, load the demo case, serve on http://127.0.0.1:$(PORT) with a worker"
	@echo "make test   install and run the whole test suite"
	@echo "make lint   ruff, ruff format --check, mypy, makemigrations --check"
	@echo "make bench  run the benchmarks under bench/"
	@echo "make fuzz-api  Schemathesis against the live API and its OpenAPI schema (PostgreSQL)"
	@echo "make openapi   write docs/openapi.yaml from the code (a test fails when they disagree)"

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Custos needs Python 3.11; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The embedded setup: SQLite, files under var/, file-system broker, a real
# worker and beat. DEBUG defaults on here (demo users, generated secret key).
run: export DEBUG ?= 1
run: export CUSTOS_PORT := $(PORT)
run: export PATH := $(abspath $(BIN)):$(PATH)
run: install
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py seed_demo
	@echo
	@echo "Custos: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)  Ctrl-C stops everything."
	@echo
	@exec $(BIN)/honcho --procfile Procfile start

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: export DEBUG := 1
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Only the browser tests (Playwright on Debian's chromium; skipped when /usr/bin/chromium is missing).
test-browser: install
	$(BIN)/python -m pytest -m browser tests/browser $(PYTEST_ARGS)

# Schemathesis against a live server and the schema it serves (scripts/fuzz_api.py; CI runs it).
fuzz-api: install
	$(BIN)/python scripts/fuzz_api.py $(FUZZ_ARGS)

# The committed schema: regenerate it after changing the API (tests/test_openapi_schema.py compares).
openapi: export DEBUG := 1
openapi: install
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

bench: install
	@found=""; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		case "$$(basename $$script)" in _*) continue;; esac; \
		found=1; $(BIN)/python $$script || exit 1; \
	done; [ -n "$$found" ] || echo "no benchmarks under bench/ yet"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
