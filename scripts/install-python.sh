#!/usr/bin/env bash
# Create .venv and install both Python packages with pinned versions; a no-op when nothing changed.
#   usage: scripts/install-python.sh [--dev]   (--dev adds the test, lint and type-check tools)
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""; [ "${1:-}" = "--dev" ] && extras="[dev]"
python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11 or newer is needed (found $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
}
stamp=.venv/.installed
want="$(cat requirements/constraints.txt backend/pyproject.toml distillation/pyproject.toml | sha256sum | cut -c1-16)$extras"
if [ -f "$stamp" ] && { [ "$(cat "$stamp")" = "$want" ] || { [ -z "$extras" ] && grep -q "^${want}\[dev\]$" "$stamp"; }; }; then
  exit 0
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
echo "installing Python packages into .venv (the first run compiles llama-cpp-python: several minutes)"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c requirements/constraints.txt -e "./distillation$extras" -e "./backend$extras"
echo "$want" > "$stamp"
