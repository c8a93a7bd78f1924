#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Remote messages: throughput between two processes through ply's cluster layer against plain CAF
# (middleman publish / remote_actor), in one run. The sink runs on the server CPU, the source on
# the client CPU; stacks take turns, back to back, for several rounds; the ratio is the median of
# the rounds' ratios (this machine's rate swings by half between minutes, alike for both stacks).
#   tools/ply bench remote [--rounds N] [--messages N] [--size BYTES] [--window N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=7
messages=500000
size=16
window=4096
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
sink_pid=
cleanup() {
  [[ -n $sink_pid ]] && kill -KILL "$sink_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT

declare -A samples this_round
ratios=
stacks=(caf ply)
for round in $(seq 1 "$rounds"); do
  for s in "${stacks[@]}"; do
    taskset -c "$server_cpu" "$bin/ply-remote-bench" sink --stack "$s" --window "$window" \
      > "$logdir/sink.out" 2> "$logdir/sink.err" &
    sink_pid=$!
    to=
    for _ in $(seq 1 200); do
      to=$(sed -n 's/^ready //p' "$logdir/sink.out")
      [[ -n $to ]] && break
      sleep 0.05
    done
    [[ -n $to ]] || { echo "the $s sink did not start:" >&2; cat "$logdir/sink.err" >&2; exit 1; }
    out=$(taskset -c "$client_cpu" timeout 120 "$bin/ply-remote-bench" source --stack "$s" \
          --to "$to" --messages "$messages" --size "$size" --window "$window")
    kill -KILL "$sink_pid" 2>/dev/null || true
    wait "$sink_pid" 2>/dev/null || true
    sink_pid=
    this_round[$s]=$(json_field "$out" messages_per_s)
    samples[$s]+=" ${this_round[$s]}"
    echo "round $round $s: $out" >&2
  done
  ratios+=" $(ratio "${this_round[ply]}" "${this_round[caf]}")"
done

echo
echo "Remote messages: $messages messages of $size payload bytes from one process to another,"
echo "at most $window unacknowledged; sink on CPU $server_cpu, source on CPU $client_cpu; median of"
echo "$rounds rounds."
printf '\n%-34s %14s %10s\n' stack messages/s vs_caf
printf '%-34s %14s %10s\n' "plain CAF (remote_actor)" "$(median <<<"${samples[caf]}")" 1.00
printf '%-34s %14s %10s\n' "ply (cluster_service, peer_up)" "$(median <<<"${samples[ply]}")" \
  "$(median <<<"$ratios")"
echo "(rounds' ratios:$ratios)"
