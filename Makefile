# Two commands do all the set-up on a fresh machine (Debian with Python 3.11):
#   make run   installs what is missing and starts the dashboard on the bundled default region
#   make test  installs what is missing (Debian's Chromium included) and runs the whole test suite
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium
# make run PORT=8600 serves on another port (ADDRESS=0.0.0.0 on every interface: only behind a TLS proxy)
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test lint install translations chromium bench mutate clean

install: $(STAMP) translations

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The gettext catalogs (planning/translations/<lang>.po) compiled to the .mo files the app reads
translations: $(STAMP)
	$(PY) -m planning.translations

# Debian packages the tests need: Chromium for the browser tests, poppler-utils to read the PDF reports back,
# haproxy for the two app servers behind the proxy (deploy/haproxy.cfg), postgresql for the store tests on a real
# server (tests/pg.py uses one answering on 127.0.0.1:5432, else starts a throw-away cluster of its own with the
# package's initdb; the package's own cluster need not run)
chromium:
	@{ [ -x $(CHROMIUM) ] && command -v pdftoppm >/dev/null && [ -x /usr/sbin/haproxy ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium poppler-utils haproxy postgresql >/dev/null; }

run: $(STAMP) translations
	$(VENV)/bin/streamlit run server.py --server.port $(PORT) --server.address $(ADDRESS)

# The habits (settings in pyproject.toml): lint, format and types before the tests
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy geo planning

test: $(STAMP) translations chromium lint
	$(PY) -m pytest

# Mutation testing of the core rules (tools/mutate.py): not part of `make test`, CPU heavy; seconds per module
# (a cap: on the shared 2-core machine coverage took 4.5 minutes and siting 17, see README)
MUTATE_BUDGET ?= 1800
mutate: $(STAMP) translations
	$(PY) tools/mutate.py --all --budget $(MUTATE_BUDGET)

bench: $(STAMP) translations chromium
	$(PY) bench/bench_routing.py
	$(PY) bench/bench_isochrones.py
	$(PY) bench/bench_siting.py
	$(PY) bench/bench_ranges.py --robust
	$(PY) bench/bench_import.py
	$(PY) bench/bench_map_parts.py
	$(PY) bench/bench_ui.py
	$(PY) bench/bench_servers.py --store postgresql

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache planning/translations/*.mo
