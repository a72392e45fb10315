# The two commands a newcomer types: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) frontend/index.html \
	frontend/package.json frontend/package-lock.json frontend/vite.config.js

.PHONY: run test test-fast fuzz bench frontend frontend-test check-services clean

run: $(VENV)/.installed frontend/dist/index.html
	$(PY) -m server run

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

# Built when missing or older than any of its sources.
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: frontend/dist/index.html

frontend-test: frontend/node_modules/.package-lock.json
	cd frontend && npm test

check-services: $(VENV)/.installed-test
	$(PY) -m tests.services

# Every test: the front end's unit tests, then the suite on the production profile (PostgreSQL,
# Redis, a Celery worker process, the dashboard in Chromium), then again on the embedded profile
# (SQLite, in-process worker).
test: $(VENV)/.installed-test frontend/dist/index.html check-services frontend-test
	RH_TEST_PROFILE=production $(PY) -m pytest
	RH_TEST_PROFILE=embedded $(PY) -m pytest -m "not e2e"

# A longer schemathesis run against a live server; prints operations tried and failures.
fuzz: $(VENV)/.installed-test check-services
	RH_FUZZ_EXAMPLES=200 RH_TEST_PROFILE=production $(PY) -m pytest tests/test_fuzz.py -s

bench: $(VENV)/.installed-test check-services
	$(PY) bench/polling.py
	$(PY) bench/intake.py
	$(PY) bench/rendering.py

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var/*.db*
