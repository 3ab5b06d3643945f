#!/usr/bin/env bash
# Starts a throw-away Distillery for the browser tests: a fresh DATA_DIR (SQLite + embedded broker),
# the first admin with a known password, two real Celery workers (one for the default queue, one for
# the llm and gpu queues: a job on the bundled model or a fine-tune keeps a process busy for minutes,
# and the diagnostic and duplicate scans must not wait behind them), a fake Hugging Face Hub on a free
# port of 127.0.0.1 (HUB_ENDPOINT for the server and workers; it accepts E2E_HUB_TOKEN as the user
# E2E_HUB_USER), and the API serving the built dashboard (frontend/out) on 127.0.0.1:$E2E_PORT. Beside
# them, the fake provider server (distillation.testing) on 127.0.0.1:$E2E_PROVIDER_PORT (a free port when
# unset), answering every request after $E2E_PROVIDER_LATENCY seconds: the tests that only need a running
# job run it there (e2e/jobs-data.ts), so the bundled model's CPU goes to the specs that test it.
# Everything it started is stopped, and the data removed, when Playwright stops it (SIGTERM) or it exits.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${DISTILLERY_BIN:-$here/../.venv/bin/distillery}
python=${DISTILLERY_PYTHON:-$(dirname "$bin")/python}
if [ ! -f "$here/out/index.html" ]; then
  echo "e2e/serve.sh: $here/out/index.html is missing; run \`npm run build\` first" >&2
  exit 1
fi

DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/distillery-e2e.XXXXXX")
export DATA_DIR
export FIRST_ADMIN_EMAIL=${E2E_ADMIN_EMAIL:-admin@distillery.local}
export FIRST_ADMIN_PASSWORD=${E2E_ADMIN_PASSWORD:-e2e-Correct-Horse-42}
export FRONTEND_DIR=$here/out
export HOST=127.0.0.1
export LOG_LEVEL=${LOG_LEVEL:-WARNING}
port=${E2E_PORT:-8765}
provider_port=${E2E_PROVIDER_PORT:-$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

worker=""
jobs_worker=""
server=""
hub=""
provider=""
cleanup() {
  trap - EXIT INT TERM
  cd /
  for pid in $server $worker $jobs_worker $hub $provider; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # A worker's pool process can still be closing its database as the folder goes: try a few times.
  for _ in 1 2 3 4 5; do
    rm -rf "$DATA_DIR" 2>/dev/null && [ ! -e "$DATA_DIR" ] && break
    sleep 1
  done
}
trap cleanup EXIT INT TERM

cd "$DATA_DIR"
# The fake Hub prints its address once it listens; fd 3 keeps the pipe open so it never writes into a closed one.
mkfifo hub.out
"$python" -m distillation.testing.fake_hub --port 0 \
  --token "${E2E_HUB_TOKEN:-hf_e2e_write_token_5eb1}=${E2E_HUB_USER:-e2e-user}" >hub.out &
hub=$!
exec 3<hub.out
read -r HUB_ENDPOINT <&3
export HUB_ENDPOINT

"$python" -m distillation.testing --port "$provider_port" --latency "${E2E_PROVIDER_LATENCY:-10}" &
provider=$!
"$bin" migrate
"$bin" worker --queues default --concurrency 1 &
worker=$!
"$bin" worker --queues llm,gpu --concurrency 2 --name jobs &
jobs_worker=$!
# Not `exec`: this shell stays to run the trap that stops the worker and removes the data.
"$bin" serve --port "$port" &
server=$!
wait -n "$server" "$worker" "$jobs_worker" "$hub" "$provider"
