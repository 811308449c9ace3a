# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint format services-status clean-var

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,embedded]"
	@touch $(STAMP)

install: $(STAMP)

## Start web + Celery worker + beat on http://127.0.0.1:8000 with the demo account (Ctrl-C stops all).
run: $(STAMP)
	$(PY) manage.py runall

# mypy reads settings through django-stubs; these URLs keep it from starting the embedded
# servers just to type-check (nothing connects to them).
# One test worker more than the cores (at most 4): the workers often wait on browsers and
# servers. On 2 cores, 3 workers ran the suite in 4 min 40 s (a fresh clone's whole CI run: 5 min 39 s).
TEST_WORKERS ?= $(shell python3 -c "import os; print(min((os.cpu_count() or 1) + 1, 4))")

MYPY := DATABASE_URL=postgres://mypy@localhost/mypy REDIS_URL=redis://localhost:6379/0 $(VENV)/bin/mypy

## The full check: lint, format check, the layer contracts, types and the whole test suite (browser tests included).
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@# mypy (a minute of one core) runs beside the suite, whose workers often wait on browsers
	@# and servers; its report follows the suite's, and either failing fails the target.
	@mkdir -p var; $(MYPY) . > var/mypy.log 2>&1 & mypy=$$!; \
	$(PY) -m pytest -n $(TEST_WORKERS); tests=$$?; \
	wait $$mypy; types=$$?; echo "mypy:"; cat var/mypy.log; \
	test $$tests -eq 0 -a $$types -eq 0

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(MYPY) .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

services-status: $(STAMP)
	$(PY) -c "from core import embedded; print(embedded.status())"
