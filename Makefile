# ketenstroom: `make demo` and `make test` set up everything themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# Strimzi and Prometheus Operator CRD schemas from the npm registry, pinned by the lock file
SCHEMAS_NPM := tests/deploy_schemas
NPM_STAMP   := $(SCHEMAS_NPM)/node_modules/.installed-$(shell cksum $(SCHEMAS_NPM)/package-lock.json | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit integration bench clean chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/ketenstroom demo

$(NPM_STAMP): $(SCHEMAS_NPM)/package-lock.json
	cd $(SCHEMAS_NPM) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@rm -f $(SCHEMAS_NPM)/node_modules/.installed-*
	@touch $@

# The covenant annex and the live page (convenant bekijk) are checked in headless Chromium, and
# `convenant explain --format pdf` prints through it: Debian's package, installed when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (for the annex's browser test and PDF)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
	    || { echo "could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; }

test: $(STAMP) $(NPM_STAMP) lint typecheck chromium
	$(BIN)/ketenstroom convenant check
	$(BIN)/ketenstroom convenant test
	$(BIN)/python -m pytest tests --ignore=tests/benchmarks -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests

typecheck: $(STAMP)
	$(BIN)/mypy pipeline

unit: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest tests/unit tests/property -q

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration -q

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run

clean:
	rm -rf $(VENV) $(SCHEMAS_NPM)/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
