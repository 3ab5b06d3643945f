#!/usr/bin/env bash
# Runs make targets stage after stage, then prints how long each took and the total: where a slow suite
# spends its time is the first thing to know. A stage written "A B | C" runs its lanes side by side: A
# then B in one lane, C in another. Suites that spend most of their time waiting (on a browser, on
# workers, on a fake provider's latency) share the machine's cores well. Each lane's output is printed
# whole when that lane ends, so lanes never interleave. Stops after the first stage with a failing
# target, as make would (a lane stops at its own first failure; the others run to their end), and
# still prints the times so far.
#   usage: scripts/timed-stages.sh STAGE...      e.g. setup lint "test-e2e | test-library test-backend"
set -uo pipefail
cd "$(dirname "$0")/.."
make=${MAKE:-make}

duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

work=$(mktemp -d)
log=$work/all.log
lane_pids=()
# An interrupted run stops its lanes' make processes too, not only the lanes' shells.
stop_lanes() { for pid in "${lane_pids[@]}"; do pkill -TERM -P "$pid"; kill -TERM "$pid"; done 2>/dev/null; }
trap 'stop_lanes; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
: >"$log"

# run_lane N TARGET...: the targets one after another, each one's time appended to $work/N.times
# ("target seconds status"); stops at the first that fails.
run_lane() {
  local lane=$1 target began status
  shift
  for target in "$@"; do
    began=$SECONDS
    echo "$target" >>"$work/$lane.now"
    "$make" --no-print-directory "$target"
    status=$?
    echo "$target $((SECONDS - began)) $status" >>"$work/$lane.times"
    [ "$status" -eq 0 ] || return "$status"
  done
}

names=()
seconds=()
status=0
failed=""
start=$SECONDS
lanes_run=0
for stage in "$@"; do
  IFS='|' read -r -a lanes <<<"$stage"
  if [ "${#lanes[@]}" -eq 1 ]; then
    # One lane: its output streams as it comes.
    for target in ${lanes[0]}; do
      began=$SECONDS
      "$make" --no-print-directory "$target" 2>&1 | tee -a "$log"
      code=${PIPESTATUS[0]}
      names+=("$target")
      seconds+=($((SECONDS - began)))
      if [ "$code" -ne 0 ]; then
        status=$code
        failed=$target
        break
      fi
    done
  else
    for i in "${!lanes[@]}"; do lanes[$i]=$(echo ${lanes[$i]}); done
    echo "== side by side: $(printf '[%s] ' "${lanes[@]}")=="
    lane_pids=()
    ids=()
    for lane in "${lanes[@]}"; do
      lanes_run=$((lanes_run + 1))
      ids+=("$lanes_run")
      # shellcheck disable=SC2086  # a lane is a list of target names
      (
        run_lane "$lanes_run" $lane
        code=$?
        echo "-" >>"$work/$lanes_run.now"
        exit "$code"
      ) >"$work/$lanes_run.log" 2>&1 &
      lane_pids+=($!)
    done
    # A line every two minutes says which target each lane is on, so a long silence is never a hang.
    (
      while sleep "${TIMED_STAGES_TICK:-120}"; do
        now=()
        for id in "${ids[@]}"; do now+=("$(tail -n 1 "$work/$id.now" 2>/dev/null | grep -v '^-$')"); done
        echo "== $(duration $((SECONDS - start))) in; running: $(echo ${now[*]}) =="
      done
    ) &
    lane_pids+=($!)
    # Each lane's output as soon as it ends, then its targets' times in the order they ran.
    running=("${lane_pids[@]:0:${#ids[@]}}")
    while [ "${#running[@]}" -gt 0 ]; do
      wait -n -p ended "${running[@]}"
      still=()
      for pid in "${running[@]}"; do [ "$pid" = "$ended" ] || still+=("$pid"); done
      running=("${still[@]}")
      for i in "${!lane_pids[@]}"; do
        [ "${lane_pids[$i]}" = "$ended" ] || continue
        echo "== lane [${lanes[$i]}] ended =="
        tee -a "$log" <"$work/${ids[$i]}.log"
      done
    done
    stop_lanes
    lane_pids=()
    for id in "${ids[@]}"; do
      while read -r target secs code; do
        names+=("$target")
        seconds+=("$secs")
        if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then
          status=$code
          failed=$target
        fi
      done < <(cat "$work/$id.times" 2>/dev/null)
    done
  fi
  [ "$status" -eq 0 ] || break
done

echo
echo "== time per stage =="
for i in "${!names[@]}"; do
  printf '  %-14s %s\n' "${names[$i]}" "$(duration "${seconds[$i]}")"
done
[ "$lanes_run" -eq 0 ] || echo "  (stages in lanes ran side by side: the total is the wall-clock time)"
printf '  %-14s %s\n' total "$(duration $((SECONDS - start)))"
[ "$status" -eq 0 ] || echo "stopped: \`make $failed\` failed (exit $status)"
# The test runners' own summaries close the output, as they did before the times were printed.
grep -E '^ *[0-9]+ (passed|failed)|^=+ .*[0-9]+ (passed|failed).* in [0-9.]+s' "$log" | sed 's/^ *//'
exit "$status"
