# pcmh-kg: the two commands of the README.
#   make build   set up (Python venv) and build the graph: dist/ dumps and the explorer
#   make test    set up everything the tests need (Debian packages included) and run them
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# rapper: independent RDF parser; chromium + driver: page tests; virtuoso: partner-store tests;
# Java: the OWL reasoner HermiT (bundled with owlready2) in tests/test_reasoner.py
APT_PACKAGES := raptor2-utils chromium chromium-driver virtuoso-opensource-7-bin default-jre-headless

.PHONY: build test test-oldest setup system-deps bench clean

$(BIN)/pcmh-kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

setup: $(BIN)/pcmh-kg

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=600 update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $$missing; \
	fi

build: setup
	$(BIN)/pcmh-kg build
	@if $(BIN)/pcmh-kg viz --help >/dev/null 2>&1; then $(BIN)/pcmh-kg viz; fi

test: system-deps setup
	$(BIN)/ruff check graph tests viz benchmarks .ci
	$(BIN)/python -m pytest

# the same suite with every dependency at the lower bound pyproject.toml allows (CI runs both)
OLDEST := .venv-oldest
test-oldest: system-deps
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install -q --upgrade pip
	$(PYTHON) .ci/lowest.py pyproject.toml > $(OLDEST)/constraints.txt
	$(OLDEST)/bin/python -m pip install -q -c $(OLDEST)/constraints.txt -e '.[test]'
	$(OLDEST)/bin/python -m pytest -p no:cacheprovider

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf dist .pcmh-kg-cache tests/artifacts $(OLDEST)
