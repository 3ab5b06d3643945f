# Distillery — one entry point for development tasks. `make test` installs what it needs and runs
# every check: lint, types, the browser tests and the Python tests (SQLite, PostgreSQL, Redis, workers).
.PHONY: dev install install-dev frontend services chromium promtool lint typecheck test test-python test-e2e \
        bench bench-service gen-client migrate revision clean

VENV := .venv
PY := $(VENV)/bin/python
export NEXT_TELEMETRY_DISABLED := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

dev:
	./start-dev.sh

install:
	scripts/install-python.sh

install-dev:
	scripts/install-python.sh --dev

frontend:
	scripts/build-frontend.sh

services:
	scripts/ensure-services.sh

chromium:
	scripts/ensure-chromium.sh

# promtool (Debian's prometheus package) checks the Prometheus files and the services' /metrics.
promtool:
	scripts/ensure-promtool.sh

lint: install-dev frontend
	$(VENV)/bin/pre-commit validate-config
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd frontend && npm run --silent lint

typecheck: install-dev frontend
	$(VENV)/bin/mypy backend/app backend/tests distillation/src distillation/tests bench
	cd frontend && npm run --silent typecheck
	cd frontend && npm run --silent check:api

test-e2e: install-dev frontend chromium
	cd frontend && npm run --silent test:e2e

test-python: install-dev services promtool
	$(VENV)/bin/pytest

# The Python suite runs last so its summary line closes the output.
test: lint typecheck test-e2e test-python

# Throughput and CPU of the engine's request path against a raw AsyncOpenAI loop, and memory over
# 20,000 rows, all against the fake provider on 127.0.0.1 (a few minutes).
bench: install-dev services
	$(PY) -m bench

# The API on PostgreSQL: 200 clients browsing a 1,000,000-example dataset for 60 s (p95 < 100 ms, no
# errors), then its JSONL export streamed with the API under 300 MB RSS (about 15 minutes).
bench-service: install-dev services
	$(PY) -m bench service

gen-client: install-dev
	cd frontend && npm run gen:api

migrate: install
	$(VENV)/bin/distillery migrate

revision: install-dev
	cd backend && ../$(VENV)/bin/alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf frontend/out frontend/.next .mypy_cache .ruff_cache .pytest_cache
