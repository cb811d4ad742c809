# Two commands do everything on a machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: run test lint fmt migrate install clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes; the stamp files remember the last install.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@ $(RUN_STAMP)

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

# The demo's ports: `make run PORT=8001 SIMULATOR_PORT=8766`.
PORT ?= 8000
SIMULATOR_PORT ?= 8765

migrate: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --noinput

# run_stack starts the simulator, seeds the demo against it (printing the logins), then the web server and
# a Celery worker with beat.
run: migrate
	$(BIN)/python manage.py run_stack --port $(PORT) --simulator-port $(SIMULATOR_PORT)

test: $(TEST_STAMP) $(CHROMIUM)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

fmt: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache
