#!/usr/bin/env bash
# Start the whole platform on this machine: API + dashboard + a Celery worker.
#
# With no DATABASE_URL / REDIS_URL it runs on the embedded default: a SQLite file under ./data/ and a
# Celery broker in a SQLite file too, so no server is needed. Set DATABASE_URL (PostgreSQL) and
# REDIS_URL (Redis) in the environment or in .env to use real servers instead.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'USAGE'
Usage: ./start-dev.sh [--port PORT] [--no-worker] [--rebuild | --no-install]

Starts Distillery for development on http://127.0.0.1:PORT (default 8000):
  - creates .venv and installs the Python packages (first run, or when their definitions change),
  - builds the dashboard (first run, or when frontend/ changes),
  - applies database migrations and creates the first admin (printing how to log in),
  - runs the API and a Celery worker (with the periodic reconciler) until you press Ctrl-C.

Database and broker:
  embedded (default)   SQLite in ./data/distillery.db, Celery broker in ./data/broker.db; no servers.
  DATABASE_URL=postgresql://user:pass@host:5432/db   use PostgreSQL instead of SQLite.
  REDIS_URL=redis://host:6379/0                      use Redis as the Celery broker.
Both may also be set in .env (created from .env.example on the first run).

Options:
  --port PORT    port of the API and dashboard (default: PORT from .env, else 8000)
  --no-worker    do not start a Celery worker (run `distillery worker` yourself)
  --rebuild      reinstall packages and rebuild the dashboard even if nothing changed
  --no-install   use .venv and frontend/out as they are (no pip, no npm; offline restarts)
  -h, --help     this text
USAGE
}

port=""; worker=1; rebuild=0; install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --no-worker) worker=0; shift ;;
    --rebuild) rebuild=1; shift ;;
    --no-install) install=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -f .env ]; then
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
  sed "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" .env.example > .env
  echo "created .env from .env.example (edit it to add provider keys)"
fi
if [ -n "$port" ]; then export PORT="$port"; fi
port=${PORT:-$(sed -n 's/^PORT=//p' .env | tail -n 1)}
port=${port:-8000}
export PORT="$port"

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "port $port is already in use; stop what runs there or pass --port" >&2
  exit 1
fi

if [ "$rebuild" = 1 ]; then rm -f .venv/.installed frontend/out/.built; fi
if [ "$install" = 1 ]; then
  scripts/install-python.sh
  scripts/build-frontend.sh
elif [ ! -x .venv/bin/distillery ] || [ ! -f frontend/out/index.html ]; then
  echo "--no-install needs an installed .venv and a built frontend/out; run without it once" >&2
  exit 1
fi

.venv/bin/distillery migrate

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # A warm shutdown lets tasks in flight finish, but one that is stuck must not hold Ctrl-C hostage:
  # after 20 s what is left is killed (jobs are built to survive that, as they survive a crash).
  for _ in $(seq 40); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
# A stop ends the script wherever it is (still waiting for the server included), with the signal's status.
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap cleanup EXIT

.venv/bin/distillery serve --port "$port" &
pids+=($!)
if [ "$worker" = 1 ]; then
  .venv/bin/distillery worker --beat &
  pids+=($!)
fi

for _ in $(seq 1 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/health" && break
  sleep 0.5
done
data_dir=$(.venv/bin/python -c 'from app.core.config import get_settings; print(get_settings().data_dir)')
email=$(.venv/bin/python -c 'from app.core.config import get_settings; print(get_settings().first_admin_email)')
cat <<MSG

  Distillery is running at http://127.0.0.1:$port
  Log in as $email$( [ -f "$data_dir/initial-admin-password" ] && echo " with the password in $data_dir/initial-admin-password" )
  API docs: http://127.0.0.1:$port/docs    Metrics: http://127.0.0.1:$port/metrics
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}" || true
