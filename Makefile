# Two commands for a fresh machine (Python 3.11 with venv):
#   make run    install what is missing, start the dashboard on the demo (http://localhost:8501)
#   make test   install what is missing (test tools, Debian's chromium and Java included), run every test
#   make wheel  build dist/fairdash-*.whl (then `pip install dist/fairdash-*.whl && fairdash dashboard`, from any folder)
VENV ?= .venv
PYTHON ?= python3
PORT ?= 8501
# This machine only. Another address (HOST=0.0.0.0) also needs FAIRDASH_EVERY_VISITOR_SEES_EVERY_AUDIT=yes: without
# sign-in every visitor sees every saved audit, and the dashboard refuses to serve the network until told so.
HOST ?= 127.0.0.1
PY := $(VENV)/bin/python

.PHONY: run test lint browser java benchmark wheel

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	# fairdash itself, editable, so that `python -m fairdash` works from any folder.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt requirements-test-nodeps.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-test-nodeps.txt
	touch $@

# fairdash.serve imports the heavy modules (pandas, plotly, scikit-learn, shap, the demo) and then runs `streamlit run`:
# the server accepts visitors once they are loaded, so the first visit is as quick as the next (benchmarks/bench_startup.py).
run: $(VENV)/.installed
	STREAMLIT_BROWSER_GATHER_USAGE_STATS=false $(PY) -m fairdash.serve streamlit run app.py --server.port $(PORT) --server.address $(HOST)

# The wheel (dist/fairdash-*.whl): the library, the command line and the dashboard's app, pages and demo assets (setup.py).
# `pip install dist/fairdash-*.whl && fairdash dashboard` then serves it from any folder; tests/test_wheel.py checks that.
wheel: $(VENV)/.installed
	rm -rf build
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist .

# Debian's chromium for the browser tests and the PDF (audit --pdf); poppler-utils (pdftotext, pdftoppm) for the PDF's
# tests. Playwright's own browser download does not work offline.
browser:
	@if [ -x /usr/bin/chromium ] && command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium poppler-utils) >/dev/null; \
	else echo "chromium or poppler-utils is missing and this is not root: the browser and PDF tests will be skipped (apt-get install chromium poppler-utils)"; fi

# Java for the monitor's Spark engine (pyspark runs it in local mode in the tests): Debian's, 17 or newer.
java:
	@if command -v java >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless) >/dev/null; \
	else echo "java is missing and this is not root: the Spark test will fail (apt-get install openjdk-17-jre-headless)"; fi

# One OpenMP thread: on a busy 2-core machine two threads made gradient boosting several times slower.
test: $(VENV)/.installed-test browser java lint
	OMP_NUM_THREADS=1 $(PY) -m pytest

# ruff (lint and format) and mypy (types) as pyproject.toml configures them. `ruff format --check` fails on any file
# `ruff format .` would change (run `ruff format .` to fix it): the whole tree is kept formatted, no `# fmt: off`.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

benchmark: $(VENV)/.installed-test
	OMP_NUM_THREADS=1 $(PY) benchmarks/bench_metrics.py
