#!/bin/sh
# Fails when the committed openapi.json, src/lib/api/schema.d.ts or src/lib/api/limits.ts differ from
# what the backend generates now, i.e. when the API changed and the dashboard's types were not regenerated.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$here/scripts/gen-api.sh" "$tmp"
status=0
for file in openapi.json src/lib/api/schema.d.ts src/lib/api/limits.ts; do
  if ! cmp -s "$here/$file" "$tmp/$file"; then
    echo "check:api: frontend/$file is out of date with the backend's OpenAPI schema" >&2
    diff -u "$here/$file" "$tmp/$file" 2>/dev/null | head -n 40 >&2 || true
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  echo "check:api: run \`npm run gen:api\` in frontend/ and commit the result" >&2
  exit 1
fi
echo "check:api: openapi.json, schema.d.ts and limits.ts match the backend"
