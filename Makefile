# Two commands do everything on a machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (tests/support/xdist_parts.py gives each its own parts): one per CPU
# of the 2-CPU machines CI runs on. Many tests wait on processes they start, but those processes want the
# CPU too, and four workers were not clearly faster there. `make test TEST_WORKERS=0` runs serially.
TEST_WORKERS ?= 2
# The exact versions of everything installed here (pip included), so that a new release elsewhere changes
# nothing until `make lock` says so.
LOCK := requirements/lock.txt
PIP_VERSION := 26.2.1
# The lock tool, installed by `make lock` only: installing from the lock needs pip alone.
UV_VERSION := 0.13.9
LOCK_ARGS ?=

.PHONY: run test lint fmt migrate install lock clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)

# Reinstall when pyproject.toml or the lock changes; the stamp files remember the last install.
$(RUN_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e .
	@touch $@

$(TEST_STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) -e '.[test,dev]'
	@touch $@ $(RUN_STAMP)

# Rewrites the lock from pyproject.toml, keeping every pinned version that still fits: run it after changing
# the dependencies. `make lock LOCK_ARGS=--upgrade` moves everything to the newest releases,
# `LOCK_ARGS="--upgrade-package NAME"` one package.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --universal --python-version 3.11 \
		--custom-compile-command 'make lock' --quiet $(LOCK_ARGS) --output-file $(LOCK)

# The browser tests drive Debian's Chromium (never a browser downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@echo "Installing Debian's Chromium for the browser tests"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

install: $(RUN_STAMP)

# The demo mode keeps the demo's generated SECRET_KEY and FIELD_ENCRYPTION_KEYS under var/ and serves plain
# HTTP on localhost; debug stays off, so every error is the product's own page, never Django's technical one.
run migrate: export DASHBOARD_DEMO = 1
run migrate: export DJANGO_DEBUG = 0

# The demo's ports: `make run PORT=8001 SIMULATOR_PORT=8766 ALERT_RECEIVER_PORT=8791`.
PORT ?= 8000
SIMULATOR_PORT ?= 8765
ALERT_RECEIVER_PORT ?= 8790

migrate: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --noinput

# run_stack starts the web server and the simulator, seeds the demo against it (printing the logins), then
# the receiver that prints the demo's alerts and the Celery workers with beat.
run: migrate
	$(BIN)/python manage.py run_stack --port $(PORT) --simulator-port $(SIMULATOR_PORT) \
		--alert-receiver-port $(ALERT_RECEIVER_PORT)

test: $(TEST_STAMP) $(CHROMIUM)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
