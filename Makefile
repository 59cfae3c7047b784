# Two commands on a fresh machine: `make demo` and `make test`.
# The first use creates .venv and installs the pinned requirements.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PYTEST_ARGS ?=

.PHONY: demo test lint unit bench clean browser translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV): requirements.txt requirements-dev.txt $(RUNTIME)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(RUNTIME)  ## build the demo portfolio in var/ and print its summary
	$(BIN)/python app.py demo

test: $(DEV) lint browser  ## lint, type-check, import contracts, then the whole suite
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium (never a downloaded browser build); as root,
# install it when missing. Without it the browser tests skip.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || echo "chromium not installed: browser tests will skip"; }

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(DEV)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# After adding or changing a user-facing string: extract it and merge it into every
# catalogue, then translate the new entries (docs/translations.md). The .po files are
# compiled in memory when first used: there is no compile step.
translations: $(DEV)
	$(BIN)/pybabel extract -F babel.cfg -k gettext_for:2 -k ngettext_for:2,3 -k N_ \
	  -k lazy_gettext -k lazy_ngettext:1,2 \
	  --no-location --sort-output -o hub/locale/messages.pot .
	$(BIN)/pybabel update -i hub/locale/messages.pot -d hub/locale --ignore-obsolete -w 100

bench: $(RUNTIME)
	$(BIN)/python bench/ledger.py --invoices 100000

clean:
	rm -rf $(VENV) var
