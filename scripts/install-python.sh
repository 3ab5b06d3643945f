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
want="$(cat requirements/constraints.txt backend/pyproject.toml distillation/pyproject.toml "$0" | sha256sum | cut -c1-16)$extras"
if [ -f "$stamp" ] && { [ "$(cat "$stamp")" = "$want" ] || { [ -z "$extras" ] && grep -q "^${want}\[dev\]$" "$stamp"; }; }; then
  exit 0
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
echo "installing Python packages into .venv (the first run compiles llama-cpp-python: several minutes)"
.venv/bin/python -m pip install -q --upgrade pip
# llama-cpp-python compiles llama.cpp for the CPU it is built on. On x86-64 it is built for AVX2 instead:
# a native build on a CPU with AMX (Xeon Sapphire Rapids and later, often virtualised in clouds) runs
# AMX kernels that crash the process at the first answer in such VMs (ggml-org/llama.cpp#20824), and
# the wheel built once is kept (pip's own cache would hand back a native build made before).
llama=$(grep -i '^llama[-_]cpp[-_]python==' requirements/constraints.txt | cut -d= -f3)
if [ "$(uname -m)" = x86_64 ] && [ -n "$llama" ]; then
  wheels=${DISTILLERY_WHEEL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/distillery/wheels/llama-cpp-avx2}
  if ! ls "$wheels"/llama_cpp_python-"$llama"-*.whl >/dev/null 2>&1; then
    echo "compiling llama-cpp-python $llama for AVX2 (once: the wheel is kept in $wheels)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
      .venv/bin/python -m pip wheel -q --no-cache-dir --no-deps -w "$wheels" "llama-cpp-python==$llama"
  fi
  .venv/bin/python -m pip install -q --no-deps --force-reinstall "$wheels"/llama_cpp_python-"$llama"-*.whl
fi
.venv/bin/python -m pip install -q -c requirements/constraints.txt -e "./distillation$extras" -e "./backend$extras"
echo "$want" > "$stamp"
