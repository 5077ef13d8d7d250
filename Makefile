# buzzsim: every target sets itself up (creates .venv and installs the package) when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
EXTRAS ?= dev,dask,calibrate

.PHONY: demo test bench library lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "buzzsim needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/buzzsim compare scenarios/crisis_response.toml
	$(BIN)/buzzsim run scenarios/topic_lifecycle.toml

test: $(STAMP)
	$(BIN)/python -m pytest -q

$(VENV)/.installed-bench: $(STAMP)
	-$(BIN)/python -m pip install --quiet -e ".[dev,bench]" || echo "note: some peer tools failed to install; the benchmark reports them as skipped"
	@touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/buzzsim bench

library: $(STAMP)
	$(BIN)/buzzsim compare --all

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
