# ketenstroom: `make demo` and `make test` set up everything themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Schemas and tools from the npm registry (CRDs, AsyncAPI, dclint, HPKE), pinned by the lock file
SCHEMAS_NPM := tests/deploy_schemas
NPM_STAMP   := $(SCHEMAS_NPM)/node_modules/.installed-$(shell cksum $(SCHEMAS_NPM)/package-lock.json | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit integration bench clean chromium compiled

# pip's own progress (a line per package) instead of minutes of silence on a fresh machine
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV)/ with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing ketenstroom and its dependencies into $(VENV)/ (the first time takes a few minutes)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "installed; next time this step is skipped until pyproject.toml changes"

# The compiled core (pipeline/compiled/): the install compiles the pure modules with mypyc when a
# C compiler is present. After a source it was built from changed (an edit, a git pull) the
# interpreted modules run, with a warning, until this rebuilds it (about a minute).
compiled: $(STAMP)
	@$(BIN)/python -m pipeline.compiled --check >/dev/null 2>&1 || { \
	  echo "rebuilding the compiled core: a source it was built from changed"; \
	  $(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps -e . ; }
	@$(BIN)/python -m pipeline.compiled

demo: $(STAMP) compiled
	$(BIN)/ketenstroom demo

$(NPM_STAMP): $(SCHEMAS_NPM)/package-lock.json
	@echo "installing the npm tools make test checks with ($(SCHEMAS_NPM)/README.md)"
	cd $(SCHEMAS_NPM) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@rm -f $(SCHEMAS_NPM)/node_modules/.installed-*
	@touch $@

# The covenant annex and the live page (convenant bekijk) are checked in headless Chromium, and
# `convenant explain --format pdf` prints through it; the printed pages are read back with
# poppler's pdftotext (tests/integration/test_officer_scenario.py): Debian's packages,
# installed when missing.
chromium:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium and poppler-utils (for the annex's browser tests and PDF)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils >/dev/null \
	    || { echo "could not install chromium and poppler-utils: run 'apt-get install chromium poppler-utils' as root"; exit 1; }; }

test: $(STAMP) $(NPM_STAMP) lint typecheck chromium compiled
	$(BIN)/ketenstroom convenant check
	$(BIN)/ketenstroom convenant test
	$(BIN)/python -m pytest tests --ignore=tests/benchmarks -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests setup.py

typecheck: $(STAMP)
	$(BIN)/mypy pipeline

unit: $(STAMP) $(NPM_STAMP) compiled
	$(BIN)/python -m pytest tests/unit tests/property -q

integration: $(STAMP) compiled
	$(BIN)/python -m pytest tests/integration -q

bench: $(STAMP) compiled
	$(BIN)/python -m tests.benchmarks.run

clean:
	rm -rf $(VENV) $(SCHEMAS_NPM)/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info build
	find pipeline -name '*.so' -delete; rm -f pipeline/_compiled_manifest.py
