# The compendium's two commands (see README):
#   make reproduce   fetch the raw data, rebuild data/processed/, run every section into reports/
#   make test        run the whole test suite (unit, data, CLI, determinism, nbval)
# Both create the environment in .venv/ from requirements/lock.txt when it is missing.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Tools whose dependencies conflict with the lock (cffconvert needs jsonschema<4) live in their own venv.
TOOLS_BIN := .venv-tools/bin
# The test of CITATION.cff runs this validator; set here, it fails rather than skips when the tool is missing.
export PERUMIG_CFFCONVERT := $(abspath $(TOOLS_BIN)/cffconvert)
export PATH := $(abspath $(BIN)):$(PATH)
# Outputs must not depend on hash randomisation (set ordering); the kernels inherit this.
export PYTHONHASHSEED := 0
# Raw files come from a local mirror when one is beside the checkout (this workplace and CI);
# otherwise from the official URLs in data/sources.yaml.
export PERUMIG_DATA_MIRROR ?= $(if $(wildcard ../shared/data/raw),$(abspath ../shared/data/raw),)

# Extra pytest options, e.g. `make test PYTEST_EXTRA="--durations=30"` (benchmarks/test_suite.py uses it).
PYTEST_EXTRA ?=
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: reproduce test benchmark clean-env environment

reproduce: $(BIN)/perumig
	$(BIN)/perumig reproduce

test: $(BIN)/perumig $(TOOLS_BIN)/cffconvert
	$(BIN)/python -m pytest -n 2 --dist loadfile tests reports $(NBVAL) --ignore=reports/runs --ignore=reports/failed --ignore=reports/site $(PYTEST_EXTRA)

benchmark: $(BIN)/perumig
	$(BIN)/python benchmarks/reproduce.py

$(BIN)/perumig: requirements/lock.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(TOOLS_BIN)/cffconvert: requirements/tools.txt
	$(PYTHON) -m venv .venv-tools
	$(TOOLS_BIN)/python -m pip install --quiet -r requirements/tools.txt
	touch $@

clean-env:
	rm -rf $(VENV) .venv-tools

# After changing requirements/lock.txt: write environment.yml's pip section from it.
environment:
	{ sed -n '1,/^  - pip:$$/p' environment.yml; grep -v '^#' requirements/lock.txt | sed 's/^/      - /'; \
	  echo '      - -e .'; } > environment.yml.new && mv environment.yml.new environment.yml
