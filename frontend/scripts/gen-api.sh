#!/bin/sh
# Regenerates the API schema and its TypeScript types under DEST (default: this frontend folder):
#   DEST/openapi.json              the FastAPI OpenAPI schema, from `distillery openapi`
#   DEST/src/lib/api/schema.d.ts   types for openapi-fetch, from openapi-typescript
#   DEST/src/lib/api/limits.ts     the API's limits on request fields, for forms (scripts/gen-limits.mjs)
# DISTILLERY_BIN overrides the CLI (default: the repository's virtual environment).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here}
bin=${DISTILLERY_BIN:-$here/../.venv/bin/distillery}
if [ ! -x "$bin" ]; then
  echo "gen:api: $bin not found; install the backend first (see the README) or set DISTILLERY_BIN" >&2
  exit 2
fi
mkdir -p "$dest/src/lib/api"
"$bin" openapi --output "$dest/openapi.json"
"$here/node_modules/.bin/openapi-typescript" "$dest/openapi.json" -o "$dest/src/lib/api/schema.d.ts" --silent
node "$here/scripts/gen-limits.mjs" "$dest/openapi.json" "$dest/src/lib/api/limits.ts"
