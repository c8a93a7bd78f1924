#!/usr/bin/env bash
# Chat fan-out benchmark: plyd chat against the seed's Twisted chat server, in one run. 100 clients
# in one room each say 100 lines at once; every line goes to the 99 others (990,000 deliveries).
# Servers take turns for several rounds (the machine is shared and noisy); medians are shown.
#   tools/ply bench chat [--rounds N] [--clients N] [--lines N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=5
clients=100
lines=100
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

declare -A samples rate
servers=(ply twisted)
for round in $(seq 1 "$rounds"); do
  for s in "${servers[@]}"; do
    case $s in
      ply) cmd=("$bin/plyd" chat --port tcp:0:interface=127.0.0.1:backlog=1024) ;;
      twisted) cmd=(/usr/bin/python3 "$here/baselines/twisted_chat.py" 0) ;;
    esac
    start_server "$logdir/$s.log" "${cmd[@]}"
    out=$(taskset -c "$client_cpu" "$bin/ply-fanout" --mode chat --port "$server_port" \
          --connections "$clients" --lines "$lines")
    samples[$s]+=" $(json_field "$out" deliveries_per_s)"
    echo "round $round $s: $out" >&2
    stop_server
  done
done
for s in "${servers[@]}"; do
  rate[$s]=$(median <<<"${samples[$s]}")
done
echo
echo "Chat fan-out: $clients clients in one room, $lines lines each, every line to the $((clients - 1))"
echo "others; server on CPU $server_cpu, clients on CPU $client_cpu; median of $rounds rounds."
printf '\n%-10s %16s %12s\n' server deliveries/s vs_twisted
for s in "${servers[@]}"; do
  printf '%-10s %16s %12s\n' "$s" "${rate[$s]}" "$(ratio "${rate[$s]}" "${rate[twisted]}")"
done
