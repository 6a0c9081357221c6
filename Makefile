# nn2poly development tasks.  `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install benchmark clean

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

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_conversion.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis
