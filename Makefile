# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
export NO_MKDOCS_2_WARNING := 1
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The demo needs only the package and its `server` extra (dev server, UI, CLI), not the test/docs tools.
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test lint typecheck docs bench install screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV) || { $(PYTHON) -m pip install --quiet virtualenv && $(PYTHON) -m virtualenv $(VENV); }

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,docs]'
	touch $(STAMP) $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[server]'
	touch $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	@$(PY) examples/demo.py --db $(VENV)/demo.sqlite

test: $(STAMP)
	$(PY) -m ruff check src tests examples benchmarks
	$(PY) -m mypy
	$(PY) -m pytest
	$(PY) -m mkdocs build --strict --quiet --site-dir $(VENV)/site

lint: $(STAMP)
	$(PY) -m ruff check src tests examples benchmarks
	$(PY) -m ruff format --check src tests examples benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy

docs: $(STAMP)
	$(PY) -m mkdocs build --strict --site-dir $(VENV)/site

bench: $(STAMP)
	$(PY) -m benchmarks

# Regenerates docs/img/ui-*.png (needs Debian's chromium: apt-get install chromium).
screenshots: $(STAMP)
	$(PY) -m tests.ui.make_screenshots

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
