# Two commands for a newcomer: `make run` (the portal with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-clock-ahead install lint format translations clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  echo "Python's venv module cannot create environments here (no ensurepip)."; \
	  echo "On Debian or Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

## axe-core for the accessibility test, pinned in tests/e2e/package-lock.json (needs npm).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (Debian: sudo apt install npm): the accessibility test needs it."; exit 1; }
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $(AXE)

install: $(STAMP) $(AXE)

## Create or upgrade the SQLite database, load the demo data if it is empty, and serve
## the portal with its scheduler on http://127.0.0.1:5000 (`portal serve` runs
## `portal scheduler` as a child process; Ctrl-C stops both).
run: $(STAMP)
	PORTAL_ENV=development $(BIN)/portal init
	PORTAL_ENV=development PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}" $(BIN)/portal demo --if-empty
	PORTAL_ENV=development $(BIN)/portal serve --host $(HOST) --port $(PORT)

## The whole suite (SQLite; set PORTAL_TEST_DATABASE_URL for PostgreSQL).
test: install
	$(BIN)/python -m pytest

## The in-process tests again with the wall clock a year ahead (no test may depend on the date).
test-clock-ahead: install
	$(BIN)/python -m pytest --clock-ahead 365

lint: install
	$(BIN)/ruff check portal tests bench
	$(BIN)/ruff format --check portal tests bench

format: install
	$(BIN)/ruff format portal tests bench
	$(BIN)/ruff check --fix portal tests bench

## Extract the UI strings into the template, merge them into the French catalog (created
## if missing), then compile it. Translate the empty msgstr entries of
## portal/translations/fr/LC_MESSAGES/messages.po and run it again;
## tests/test_translations.py fails while any string is untranslated or not compiled.
translations: install
	@mkdir -p portal/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -c Translators: --add-location=file \
	  --project=collections-portal --version=0.1.0 -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l fr \
	  --init-missing --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d portal/translations --statistics

clean:
	rm -rf $(VENV) *.egg-info
