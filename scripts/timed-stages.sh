#!/usr/bin/env bash
# Runs make targets one after another, then prints how long each took and the total: where a slow
# suite spends its time is the first thing to know. Stops at the first failing target, as make would,
# and still prints the times so far.
#   usage: scripts/timed-stages.sh TARGET...
set -uo pipefail
cd "$(dirname "$0")/.."
make=${MAKE:-make}

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

names=()
seconds=()
status=0
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "$@"; do
  began=$SECONDS
  "$make" --no-print-directory "$target" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
  names+=("$target")
  seconds+=($((SECONDS - began)))
  [ "$status" -eq 0 ] || break
done

echo
echo "== time per stage =="
for i in "${!names[@]}"; do
  printf '  %-14s %s\n' "${names[$i]}" "$(duration "${seconds[$i]}")"
done
printf '  %-14s %s\n' total "$(duration $((SECONDS - start)))"
[ "$status" -eq 0 ] || echo "stopped: \`make ${names[-1]}\` failed (exit $status)"
# The test runners' own summaries close the output, as they did before the times were printed.
grep -E '^[0-9]+ (passed|failed)|^=+ .*[0-9]+ (passed|failed).* in [0-9.]+s' "$log" | tail -n 3
exit "$status"
