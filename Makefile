# Quick start: `make demo` (set up, then compare a bundled ATMP scenario) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test lint format clean bench fuzz golden

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("atmpcli needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/atmpcli compare scenarios/cart_pediatric_all.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

bench: $(STAMP)
	$(BIN)/python bench/run.py --write-docs

# Rewrite the golden files (tests/golden) from the current output and show what changed, for review.
golden: $(STAMP)
	$(BIN)/python -m pytest tests/golden --update-golden -q
	git status --short -- tests/golden
	git --no-pager diff --stat -- tests/golden
	git --no-pager diff -- tests/golden

# thousands of new mutated scenarios (make test runs the same 200 each time); FUZZ=20000 for more
FUZZ ?= 5000
fuzz: $(STAMP)
	ATMPCLI_FUZZ_EXAMPLES=$(FUZZ) $(BIN)/python -m pytest tests/cli/test_fuzz.py -q -x
