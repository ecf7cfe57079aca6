# ketenstroom: `make demo` and `make test` set up everything themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit integration bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: $(STAMP)
	$(BIN)/ketenstroom demo

test: $(STAMP) lint typecheck
	$(BIN)/ketenstroom convenant check
	$(BIN)/ketenstroom convenant test
	$(BIN)/python -m pytest tests --ignore=tests/benchmarks -q

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests

typecheck: $(STAMP)
	$(BIN)/mypy pipeline

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/property -q

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration -q

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
