# nn2poly development tasks.  `make demo`, `make test`, `make lint` and `make docs` work on a
# fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint docs install benchmark clean

# What ruff checks and formats; mypy reads its file list from pyproject.toml.
LINT_PATHS := src tests benchmarks examples docs/conf.py

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/nn2poly demo

test: $(STAMP)
	MPLBACKEND=Agg KERAS_BACKEND=torch $(BIN)/python -m pytest -n 2 -q -p no:cacheprovider \
		--doctest-modules src/nn2poly tests

# Every check runs, so one run reports them all; the target fails if any failed.
lint: $(STAMP)
	@status=0; \
	echo "ruff check"; $(BIN)/ruff check $(LINT_PATHS) || status=1; \
	echo "ruff format --check"; $(BIN)/ruff format --check $(LINT_PATHS) || status=1; \
	echo "mypy"; $(BIN)/mypy || status=1; \
	exit $$status

# HTML into docs/_build/html; warnings are errors.  The gallery runs examples/.
docs: $(STAMP)
	MPLBACKEND=Agg KERAS_BACKEND=torch $(BIN)/sphinx-build -W --keep-going -q -b html \
		docs docs/_build/html

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_conversion.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache \
		docs/_build docs/api/generated docs/auto_examples docs/sg_execution_times.rst
