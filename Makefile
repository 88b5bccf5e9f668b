# The one entry point. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev assets messages static migrate demo run prod test lint format bench bench-parts load clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.package-lock.json scripts/build_assets.py
	$(BIN)/python scripts/build_assets.py
	touch $@

assets: static/vendor/.built ## Install front-end packages (npm) and copy them into static/vendor

messages: ## Compile the translations (locale/*.po -> .mo)
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (Debian: apt-get install gettext)"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v0

setup: $(VENV)/.runtime-installed assets messages ## Install everything `make run` needs

setup-dev: $(VENV)/.dev-installed assets messages ## Install everything `make test` and `make lint` need

# With DEBUG off whitenoise serves the collected files under hashed names: collect them again
# only when a source changed (it compresses every file, which takes a while).
STATIC_SOURCES := $(shell find static -type f 2>/dev/null) $(VENV)/.runtime-installed
var/staticfiles/staticfiles.json: static/vendor/.built $(STATIC_SOURCES)
	$(BIN)/python manage.py collectstatic --no-input --clear -v0
	touch $@

static: setup var/staticfiles/staticfiles.json ## Collect the static files into var/staticfiles for whitenoise

migrate: setup ## Create or update the SQLite database in var/
	$(BIN)/python manage.py migrate --no-input -v0

demo: migrate ## Load the demo data (idempotent)
	$(BIN)/python manage.py seed_demo

run: demo static ## Start web + Celery worker + beat on http://127.0.0.1:$(PORT) (Ctrl-C stops all)
	PORT=$(PORT) bash scripts/run.sh

# DEMO=1 loads the demo data into the throwaway database (a minute or two).
prod: static ## The production shape without Docker: PostgreSQL, Redis, gunicorn ×2, worker, beat (Ctrl-C stops all)
	PORT=$(PORT) $(BIN)/python scripts/prod.py

test: setup-dev ## Run the whole suite: SQLite leg (+ browser), then PostgreSQL + Redis + worker leg
	$(BIN)/python scripts/test_legs.py $(ARGS)

lint: setup-dev ## ruff, mypy, makemigrations --check, import-linter, translations complete, full-width punctuation in Chinese
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_translations.py
	$(BIN)/python scripts/check_punctuation.py

format: setup-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

SCALE ?= district
bench: setup-dev ## City-scale benchmark on a throwaway PostgreSQL seeded by seed_city (SCALE=demo|district|city): one table, var/bench/results.json
	DEBUG=1 $(BIN)/python scripts/bench_city.py --scale $(SCALE)

bench-parts: setup-dev ## The older separate figures (tree writes, dashboard, ledger exports, petitions, list pages); DATABASE_URL picks the database
	DEBUG=1 $(BIN)/python scripts/bench.py
	DEBUG=1 $(BIN)/python scripts/bench_export.py
	DEBUG=1 $(BIN)/python scripts/bench_petitions.py

LOAD_SCALE ?= district
load: setup-dev static ## Load test: locust (headless, loopback, LOAD_DURATION) against gunicorn (2 workers) + PostgreSQL seeded by seed_city (LOAD_SCALE); var/load/results.json
	$(BIN)/python scripts/load.py --scale $(LOAD_SCALE)

clean: ## Remove the virtualenv, installed assets and build output (keeps var/ data)
	rm -rf $(VENV) node_modules static/vendor staticfiles var/staticfiles .pytest_cache .mypy_cache .ruff_cache
