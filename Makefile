# Walk-Run Coach. Only Python 3.11+ and make are needed: everything else installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in this many processes (pytest-xdist; worksteal keeps both busy to the end,
# where the long fuzz tests sit); each has its own test database and Redis database.
TEST_WORKERS ?= 2

.PHONY: install run test lint format migrate seed worker beat bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Walk-Run Coach is starting on http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# No cache: a stale .ruff_cache once passed a file here that a fresh clone then failed on.
lint: install
	$(BIN)/ruff check --no-cache .
	$(BIN)/ruff format --check --no-cache .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

# The full stack on a machine with Redis (REDIS_URL must be set, e.g. redis://127.0.0.1:6379/0).
worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

# Benchmarks against PostgreSQL and Redis on this machine (see bench/README.md); they also
# need node/npm (Lighthouse) and the Debian chromium.
bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .hypothesis
