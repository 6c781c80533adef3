# The README's two commands. Both set up a virtual environment in .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint setup docs bench core-alone pyodide

$(BIN)/derm: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/derm

# Set up and run the main job on the bundled sample data (no Slack or Excel credentials needed).
demo: setup
	$(BIN)/derm check examples/claims.yaml || true
	$(BIN)/derm check --text "$$(cat examples/pasted.txt)" || true
	$(BIN)/derm suggest examples/suggest-mohs.json
	mkdir -p out && $(BIN)/derm sheet check examples/charges.xlsx -o out/charges.checked.xlsx --force || true
	$(BIN)/derm denials analyze examples/remittances-march.835 --top 5

# Set up and run the tests, lint and type checks (the command CI runs).
test: setup lint pyodide
	$(BIN)/pytest -q

# The pyodide npm package for the test that runs the core under Pyodide in node (skipped when npm is missing).
pyodide: tests/excel/pyodide/node_modules/pyodide/package.json
tests/excel/pyodide/node_modules/pyodide/package.json: tests/excel/pyodide/package-lock.json
	command -v npm >/dev/null 2>&1 && npm ci --prefix tests/excel/pyodide --no-audit --no-fund || echo "npm is missing or could not install the pyodide package: the Pyodide test will be skipped"

PACKAGES := derm_core derm_cli charge_sheets slack_bot excel_addin

# Lint, formatting, types on every package, and the layers (pyproject.toml [tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES)
	$(BIN)/lint-imports

# The core and the command installed alone, in a fresh environment (no extras): derm check and the core tests.
CORE_VENV := $(or $(TMPDIR),/tmp)/derm-core-alone
core-alone:
	rm -rf $(CORE_VENV) && $(PY) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/pip install -q --upgrade pip
	$(CORE_VENV)/bin/pip install -q . pytest hypothesis
	$(CORE_VENV)/bin/derm check examples/claims.yaml --format json > /dev/null; test $$? -eq 1  # the examples hold errors
	$(CORE_VENV)/bin/python -m pytest -q -m "not slow" tests/core derm_core \
		--ignore=tests/core/store --ignore=tests/core/test_denials.py \
		--ignore=derm_core/store --ignore=derm_core/denials --ignore=derm_core/spark --ignore=derm_core/web.py --ignore=derm_core/rulebook.py

docs: setup
	$(BIN)/derm rule --markdown > docs/rules.md

bench: setup
	$(BIN)/python benchmarks/ask_eval.py
	$(BIN)/python benchmarks/check_throughput.py
