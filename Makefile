# Two commands on a fresh machine:
#   make app    set up (venv + packages) and launch the app on http://127.0.0.1:7860
#   make test   set up (venv + packages + Chromium where apt is available) and run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: app test test-fast setup browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-embedded.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-embedded.txt
	touch $@

setup: $(VENV)/.installed

app: setup
	$(BIN)/python app.py --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (playwright cannot download its own browser offline).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  echo "Chromium not installed: browser tests will be skipped (install Debian's chromium to run them)."; }

test: setup browser
	$(BIN)/python -m pytest -q -ra

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) runs test-artifacts .pytest_cache
