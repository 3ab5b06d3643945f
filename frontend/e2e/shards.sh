#!/usr/bin/env bash
# Runs the browser tests as E2E_SHARDS Playwright processes side by side (1 by default), each with its
# own throw-away Distillery (e2e/serve.sh: its own data folder, workers and port: E2E_PORT, E2E_PORT + 1,
# ...) and its share of the spec files (--shard). Most of a browser test's time is spent waiting on the
# server and its workers, but the specs that run the bundled model or a fine-tune are CPU-bound and slow
# each other down: on a loaded 2-core machine two shards took 11m17 (one: about 9 minutes on a quiet
# machine), so one stays the default until two are measured on a quiet one. Each shard's output is
# printed whole when all have ended; the exit code is the first failing shard's.
#   usage: e2e/shards.sh [playwright test arguments...]
set -uo pipefail
cd "$(dirname "$0")/.."

shards=${E2E_SHARDS:-1}
base=${E2E_PORT:-8765}
if [ "$shards" -le 1 ]; then
  exec npx playwright test "$@"
fi

logs=()
pids=()
for i in $(seq 1 "$shards"); do
  log=$(mktemp)
  logs+=("$log")
  E2E_PORT=$((base + i - 1)) E2E_SHARD=$i npx playwright test --shard="$i/$shards" "$@" >"$log" 2>&1 &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; rm -f "${logs[@]}"' EXIT INT TERM

status=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  code=$?
  [ "$status" -ne 0 ] || status=$code
  echo "== shard $((i + 1)) of $shards (port $((base + i))): exit $code =="
  cat "${logs[$i]}"
done
exit "$status"
