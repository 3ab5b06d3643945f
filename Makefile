# Distillery — one entry point for development tasks.
#   make test       every check, as CI runs it (.ci/run): lint, types, the browser tests and the Python
#                   tests (SQLite, PostgreSQL, Redis, real workers); installs what it needs and ends with
#                   the time each stage took and the total.
#   make test-fast  the quick loop (under 3 minutes on 2 cores): lint, types and the tests that start no
#                   worker process, no browser and no bundled model.
.PHONY: dev install install-dev frontend frontend-deps services chromium promtool lint typecheck test \
        test-fast test-unit test-setup test-python test-library test-backend test-e2e bench bench-service \
        gen-client migrate revision clean

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

# The packages only: lint and the type check need no build of the dashboard.
frontend-deps:
	scripts/build-frontend.sh --deps-only

lint: install-dev frontend-deps
	$(VENV)/bin/pre-commit validate-config
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cd frontend && npm run --silent lint

typecheck: install-dev frontend-deps
	$(VENV)/bin/mypy backend/app backend/tests distillation/src distillation/tests bench
	cd frontend && npm run --silent typecheck
	cd frontend && npm run --silent check:api

test-e2e: install-dev frontend chromium
	cd frontend && npm run --silent test:e2e

# The library's tests share nothing (each has its own fake provider server, folders and Redis database),
# and most wait on the fake provider's scripted latency: two processes finish them in about half the time.
test-library: install-dev services
	$(VENV)/bin/pytest -n 2 distillation/tests

# The backend's tests run in two processes: most of their time is spent waiting on real workers, servers
# and the fake provider's latency. The few that stop servers or time their own start-up (marked
# `exclusive`) run alone afterwards.
test-backend: install-dev services promtool
	$(VENV)/bin/pytest -n 2 -m "not exclusive" backend/tests
	$(VENV)/bin/pytest -m exclusive backend/tests

test-python: test-library test-backend

# Everything the tests need, installed or started first, so that each stage's time is its own.
test-setup: install-dev frontend chromium services promtool

# The Python packages install beside the dashboard's build; then every check, one after another. (The
# browser tests beside the Python tests took about twice as long as alone on 2 cores: the bundled
# model, Chromium and the workers keep both cores busy, so the lanes gained nothing and made the
# timing-sensitive tests flakier.) The Python tests come before the slower browser tests, so that a
# failure among them shows sooner. After the time of each stage, the runners' summary lines close
# the output.
test:
	@scripts/timed-stages.sh "install-dev services | frontend chromium promtool" \
		lint typecheck test-library test-backend test-e2e

# Lint and types beside the tests: mypy and tsc each keep one core busy, while the tests also wait on
# fake providers' latency and their databases.
FAST_TESTS := not slow and not local_model and not processes
test-fast:
	@scripts/timed-stages.sh "install-dev frontend-deps services" "lint typecheck | test-unit"

# The tests `make test-fast` runs: no worker process, no browser, no bundled model, nothing marked slow.
test-unit: install-dev services
	$(VENV)/bin/pytest -n 2 -m "$(FAST_TESTS)" distillation/tests backend/tests

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
