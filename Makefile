# Two commands for a newcomer: `make run` (the portal with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install lint format translations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv is unavailable: falling back to virtualenv"; \
	  $(PYTHON) -m pip install --quiet --user --break-system-packages virtualenv 2>/dev/null || $(PYTHON) -m pip install --quiet --user virtualenv; \
	  $(PYTHON) -m virtualenv --quiet $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## Create or upgrade the SQLite database, load the demo data if it is empty, and serve
## the portal with its scheduler on http://127.0.0.1:5000.
run: install
	PORTAL_ENV=development $(BIN)/portal init
	PORTAL_ENV=development $(BIN)/portal demo --if-empty
	PORTAL_ENV=development $(BIN)/portal serve --host $(HOST) --port $(PORT)

## The whole suite (SQLite; set PORTAL_TEST_DATABASE_URL for PostgreSQL).
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check portal tests bench
	$(BIN)/ruff format --check portal tests bench

format: install
	$(BIN)/ruff format portal tests bench
	$(BIN)/ruff check --fix portal tests bench

## Extract messages and update the French catalog, then compile it.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d portal/translations

clean:
	rm -rf $(VENV) *.egg-info
