# buzzsim: every target sets itself up (creates .venv and installs the package) when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
EXTRAS ?= dev,dask,app,calibrate
# The browser test drives the distribution's Chromium (Playwright's own download is not used).
CHROMIUM := /usr/bin/chromium

.PHONY: demo test app chromium bench library lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "buzzsim needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/buzzsim compare scenarios/crisis_response.toml
	$(BIN)/buzzsim run scenarios/topic_lifecycle.toml

# Lint first (ruff, pinned in the dev extra), then the tests and sim/'s doctests.
# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The workbench page on 127.0.0.1:8765, on the flagship scenario (Ctrl-C stops it).
app: $(STAMP)
	$(BIN)/buzzsim app crisis_response

# Chromium for the browser test: installed from Debian's packages when running as root
# and missing; otherwise nothing (the test then skips with a notice saying how to enable it).
chromium:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser test (apt-get)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "note: could not install chromium; the browser test will be skipped"; \
	fi

$(VENV)/.installed-bench: $(STAMP)
	-$(BIN)/python -m pip install --quiet -e ".[dev,bench]" || echo "note: some peer tools failed to install; the benchmark reports them as skipped"
	@touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/buzzsim bench

library: $(STAMP)
	$(BIN)/buzzsim compare --all

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info
