# Two commands do everything: `make run` (the demo on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
export BRIEFBOT_TEST_DATABASE_URL ?=

.PHONY: run test check lint format typecheck contracts eval clean help

help:
	@echo "make run    - set up and run the demo: collect, analyze, digest, answer (no keys)"
	@echo "make test   - set up and run the test suite"
	@echo "make check  - format check, lint, types, import contracts and tests"
	@echo "make eval   - measure the offline analyzer and answerer on ../shared/corpus"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(STAMP_DEV): $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/briefbot init
	$(BIN)/briefbot demo

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
test: $(STAMP_DEV)
	@$(BIN)/pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

format: $(STAMP_DEV)
	$(BIN)/ruff format bot storage tests bench
	$(BIN)/ruff check --fix bot storage tests bench

lint: $(STAMP_DEV)
	$(BIN)/ruff format --check bot storage tests bench
	$(BIN)/ruff check bot storage tests bench

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

contracts: $(STAMP_DEV)
	$(BIN)/lint-imports

check: lint typecheck contracts test

# The development corpus lives beside the repository; eval fails below the floors it sets.
CORPUS ?= ../shared/corpus
eval: $(STAMP_DEV)
	$(BIN)/briefbot eval --corpus $(CORPUS) --analyzer offline

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
