# Two commands do all the set-up on a fresh machine (Debian with Python 3.11):
#   make run   installs what is missing and starts the dashboard on the bundled default region
#   make test  installs what is missing (Debian's Chromium included) and runs the whole test suite
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install chromium bench clean

install: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Debian packages the tests need: Chromium for the browser tests, poppler-utils to read the PDF reports back
chromium:
	@{ [ -x $(CHROMIUM) ] && command -v pdftoppm >/dev/null; } || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium poppler-utils >/dev/null; }

run: $(STAMP)
	$(VENV)/bin/streamlit run server.py

test: $(STAMP) chromium
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/bench_routing.py
	$(PY) bench/bench_isochrones.py
	$(PY) bench/bench_siting.py
	$(PY) bench/bench_import.py

clean:
	rm -rf $(VENV) tests/artifacts .pytest_cache
