#!/usr/bin/env bash
# The browser tests and the Python tests side by side: they share nothing (the browser tests run their
# own Distillery on a throw-away SQLite folder and port; the Python tests make their own databases, use
# their own Redis database and free ports), and both spend much of their time waiting on processes, so
# together they take little more than the longer of the two. The browser tests' output is kept in a file
# and printed when they end; the Python suite streams, and the summary of both closes the output.
set -uo pipefail
cd "$(dirname "$0")/.."

e2e_log=$(mktemp "${TMPDIR:-/tmp}/distillery-e2e-log.XXXXXX")
(cd frontend && npm run --silent test:e2e) > "$e2e_log" 2>&1 &
e2e_pid=$!
stop_e2e() { kill -TERM "$e2e_pid" 2>/dev/null || true; }
trap stop_e2e INT TERM

.venv/bin/pytest
python_status=$?

wait "$e2e_pid"
e2e_status=$?
trap - INT TERM
echo
echo "==================================== browser tests ===================================="
cat "$e2e_log"
rm -f "$e2e_log"
echo
echo "browser tests: $([ "$e2e_status" -eq 0 ] && echo passed || echo "FAILED (exit $e2e_status)")"
echo "python tests:  $([ "$python_status" -eq 0 ] && echo passed || echo "FAILED (exit $python_status)")"
[ "$e2e_status" -eq 0 ] && [ "$python_status" -eq 0 ]
