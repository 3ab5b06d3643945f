#!/usr/bin/env bash
# Install the dashboard's packages and build its static export into frontend/out; a no-op when the
# sources have not changed since the last build.
#   usage: scripts/build-frontend.sh [--deps-only]   (--deps-only: the packages, enough for lint and tsc)
set -euo pipefail
cd "$(dirname "$0")/../frontend"
export NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed to build the dashboard" >&2; exit 1; }
install_packages() {
  if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
    # npm ci would refuse the lockfile: the registry mirror lacks the non-Linux optional binaries.
    npm install --no-audit --no-fund --loglevel=error
  fi
}
if [ "${1:-}" = "--deps-only" ]; then
  install_packages
  exit 0
fi
inputs=()
for path in src public package.json package-lock.json next.config.ts tsconfig.json postcss.config.mjs; do
  [ -e "$path" ] && inputs+=("$path")
done
want=$(find "${inputs[@]}" -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)
if [ -f out/.built ] && [ "$(cat out/.built)" = "$want" ]; then
  exit 0
fi
install_packages
echo "building the dashboard"
npm run build --silent
echo "$want" > out/.built
