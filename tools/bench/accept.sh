#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Accept rate: new connections per second that ply's echo_server takes (accept, build the protocol
# actor, echo one byte, close) against the bare-epoll, raw-Asio and Twisted echoes, in one run. The load
# generator keeps N connect-echo-close loops going (closing with a reset: no TIME_WAIT pile-up).
# Servers take turns for several rounds (the machine is shared and noisy); medians are shown.
#   tools/ply bench accept [--duration S] [--rounds N] [--loops N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
duration=3
rounds=3
loops=20
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --loops) loops=$2; shift 2 ;;
    -h|--help) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

declare -A samples rate
servers=(ply epoll asio twisted)
# PLY_BENCH_BEFORE=DIR adds "before": the echo_server of DIR (another commit's build/bin).
[[ -n ${PLY_BENCH_BEFORE:-} ]] && servers=(before "${servers[@]}")
for round in $(seq 1 "$rounds"); do
  for s in "${servers[@]}"; do
    echo_command "$s"
    start_server "$logdir/$s.log" "${cmd[@]}"
    out=$(taskset -c "$client_cpu" "$bin/ply-loadgen" --mode accept --port "$server_port" \
          --connections "$loops" --warmup 1 --duration "$duration")
    samples[$s]+=" $(json_field "$out" conns_per_s)"
    echo "round $round $s: $out" >&2
    stop_server
  done
done
for s in "${servers[@]}"; do
  rate[$s]=$(median <<<"${samples[$s]}")
done
echo
echo "Accept rate: connect, one echoed byte, close; $loops loops; one server core (CPU $server_cpu),"
echo "load generator on CPU $client_cpu; median of $rounds rounds of ${duration}s each."
printf '\n%-10s %12s %10s %10s %12s\n' server conns/s vs_epoll vs_asio vs_twisted
for s in "${servers[@]}"; do
  printf '%-10s %12s %10s %10s %12s\n' "$s" "${rate[$s]}" "$(ratio "${rate[$s]}" "${rate[epoll]}")" \
    "$(ratio "${rate[$s]}" "${rate[asio]}")" "$(ratio "${rate[$s]}" "${rate[twisted]}")"
done
