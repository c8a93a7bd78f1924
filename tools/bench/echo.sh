#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Echo benchmark: ply's echo_server against the floor (an echo on bare epoll, read and write), a
# raw-Asio echo and Twisted's echo, in one run, driven by the same closed-loop load generator at
# 1, 50 and 500 connections with 64-byte messages.
# Every server runs from the start (idle ones cost nothing); in each round, for each connection
# count, the servers take turns back to back, so each round's ratio against epoll compares runs a
# few seconds apart. The table shows the medians of the rates and of the per-round ratios (the
# machine is shared and noisy: a slow minute moves every server of a round alike).
#   tools/ply bench echo [--duration S] [--rounds N] [--connections "1 50 500"]
# PLY_BENCH_SERVERS="ply ply-traced epoll" adds echo_server recording a trace (--trace);
# PLY_BENCH_BEFORE=DIR adds "before", the echo_server of DIR (another commit's build/bin), for
# before/after figures of a change in the same run.
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
duration=3
rounds=3
conn_list="1 50 500"
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) conn_list=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
declare -A rate p50 p99 samples port pid
cleanup() {
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT

servers=(${PLY_BENCH_SERVERS:-ply epoll asio twisted})
[[ -n ${PLY_BENCH_BEFORE:-} ]] && servers=(before "${servers[@]}")
[[ " ${servers[*]} " == *" epoll "* ]] || servers+=(epoll)  # the floor every ratio is against
for s in "${servers[@]}"; do
  echo_command "$s"
  start_server "$logdir/$s.log" "${cmd[@]}"
  port[$s]=$server_port
  pid[$s]=$server_pid
done
for round in $(seq 1 "$rounds"); do
  for c in $conn_list; do
    declare -A this_round=() this_p50=()
    for s in "${servers[@]}"; do
      out=$(taskset -c "$client_cpu" "$bin/ply-loadgen" --port "${port[$s]}" --connections "$c" \
            --size 64 --warmup 1 --duration "$duration")
      this_round[$s]=$(json_field "$out" msgs_per_s)
      this_p50[$s]=$(json_field "$out" p50_us)
      samples[$s,$c,rate]+=" ${this_round[$s]}"
      samples[$s,$c,p50]+=" $(json_field "$out" p50_us)"
      samples[$s,$c,p99]+=" $(json_field "$out" p99_us)"
      echo "round $round $s $c connections: $out" >&2
    done
    for s in "${servers[@]}"; do
      for anchor in epoll asio twisted; do
        [[ -n ${this_round[$anchor]:-} ]] &&
          samples[$s,$c,vs_$anchor]+=" $(ratio "${this_round[$s]}" "${this_round[$anchor]}")" &&
          samples[$s,$c,p50_vs_$anchor]+=" $(ratio "${this_p50[$s]}" "${this_p50[$anchor]}")"
      done
    done
  done
done
for s in "${servers[@]}"; do
  server_pid=${pid[$s]}
  stop_server
done
pid=()
for s in "${servers[@]}"; do
  for c in $conn_list; do
    rate[$s,$c]=$(median <<<"${samples[$s,$c,rate]}")
    p50[$s,$c]=$(median <<<"${samples[$s,$c,p50]}")
    p99[$s,$c]=$(median <<<"${samples[$s,$c,p99]}")
  done
done
# vs ANCHOR: the median of the rounds' ratios ("n/a" without that server).
vs() { [[ -n ${samples[$1,$2,vs_$3]:-} ]] && median <<<"${samples[$1,$2,vs_$3]}" || echo n/a; }

echo
echo "Echo, 64-byte messages, one server core (CPU $server_cpu), load generator on CPU $client_cpu;"
echo "median of $rounds rounds of ${duration}s each; vs_*: the median of the rounds' ratios."
printf '\n%-12s %-6s %12s %9s %9s %10s %10s %10s\n' server conns msgs/s p50_us p99_us vs_epoll \
  vs_asio vs_twisted
for c in $conn_list; do
  for s in "${servers[@]}"; do
    printf '%-12s %-6s %12s %9s %9s %10s %10s %10s\n' "$s" "$c" "${rate[$s,$c]}" "${p50[$s,$c]}" \
      "${p99[$s,$c]}" "$(vs "$s" "$c" epoll)" "$(vs "$s" "$c" asio)" "$(vs "$s" "$c" twisted)"
  done
done
echo
# The rounds' own ratios, as for the rates: a slow minute moves both servers of a round alike.
p50_vs() { [[ -n ${samples[ply,1,p50_vs_$1]:-} ]] && median <<<"${samples[ply,1,p50_vs_$1]}" || echo n/a; }
echo "p50 latency at 1 connection (median of the rounds' ratios), ply / epoll: $(p50_vs epoll)," \
  "ply / asio: $(p50_vs asio)"
if [[ " ${servers[*]} " == *" ply-traced "* ]]; then
  for c in $conn_list; do
    echo "throughput with --trace on / off at $c connection(s): $(ratio "${rate[ply-traced,$c]}" "${rate[ply,$c]}")"
  done
fi
