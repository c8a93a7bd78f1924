#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Chat fan-out benchmark: plyd chat against the seed's Twisted chat server, in one run. 100 clients
# in one room each say 100 lines at once; every line goes to the 99 others (990,000 deliveries).
# Then a cluster of --nodes plyd chat nodes with 100 clients on each, one room across them all,
# against ply's one-node figure (all nodes share the server CPU, as one node does).
# Servers take turns for several rounds (the machine is shared and noisy); medians are shown.
#   tools/ply bench chat [--rounds N] [--clients N] [--lines N] [--nodes N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=5
clients=100
lines=100
nodes=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --lines) lines=$2; shift 2 ;;
    --nodes) nodes=$2; shift 2 ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $nodes =~ ^[2-9]$ ]] || { echo "--nodes: 2 to 9" >&2; exit 2; }
logdir=$(mktemp -d)
node_pids=()
cleanup() {
  # Every server this script started, whichever round it stopped in.
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT

# start_cluster: $nodes chat nodes on the server CPU, joined to the first; sets node_pids and
# chat_ports once every node shares its rooms with all the others.
start_cluster() {
  node_pids=()
  chat_ports=()
  local seed=
  for i in $(seq 1 "$nodes"); do
    local join=(--cluster tcp:0)
    [[ -n $seed ]] && join=(--join "127.0.0.1:$seed")
    start_server "$logdir/node$i.log" "$bin/plyd" chat \
      --port tcp:0:interface=127.0.0.1:backlog=1024 "${join[@]}"
    node_pids+=("$server_pid")
    # A clustered node prints its cluster endpoint first, then the chat port.
    for _ in $(seq 1 100); do
      [[ $(grep -c 'listening on' "$logdir/node$i.log") -ge 2 ]] && break
      sleep 0.05
    done
    [[ $(grep -c 'listening on' "$logdir/node$i.log") -ge 2 ]] ||
      { echo "chat node $i did not start:" >&2; cat "$logdir/node$i.log" >&2; exit 1; }
    [[ -z $seed ]] && seed=$(grep -o 'listening on [^ ]*:[0-9]*' "$logdir/node$i.log" | sed -n 1p | sed 's/.*://')
    chat_ports+=("$(grep -o 'listening on [^ ]*:[0-9]*' "$logdir/node$i.log" | sed -n 2p | sed 's/.*://')")
  done
  for i in $(seq 1 "$nodes"); do
    local linked=0
    for _ in $(seq 1 200); do
      linked=$(grep -c 'rooms now shared with node' "$logdir/node$i.log" || true)
      [[ $linked -ge $((nodes - 1)) ]] && break
      sleep 0.05
    done
    [[ $linked -ge $((nodes - 1)) ]] ||
      { echo "chat node $i shares rooms with $linked of $((nodes - 1)) nodes after 10 s" >&2; exit 1; }
  done
}

stop_cluster() {
  for p in "${node_pids[@]}"; do
    server_pid=$p
    stop_server
  done
  node_pids=()
}

declare -A samples rate
servers=(ply twisted cluster)
for round in $(seq 1 "$rounds"); do
  for s in "${servers[@]}"; do
    if [[ $s == cluster ]]; then
      start_cluster
      out=$(taskset -c "$client_cpu" "$bin/ply-fanout" --mode chat --port "${chat_ports[@]}" \
            --connections $((clients * nodes)) --lines "$lines")
      stop_cluster
    else
      case $s in
        ply) cmd=("$bin/plyd" chat --port tcp:0:interface=127.0.0.1:backlog=1024) ;;
        twisted) cmd=(/usr/bin/python3 "$here/baselines/twisted_chat.py" 0) ;;
      esac
      start_server "$logdir/$s.log" "${cmd[@]}"
      out=$(taskset -c "$client_cpu" "$bin/ply-fanout" --mode chat --port "$server_port" \
            --connections "$clients" --lines "$lines")
      stop_server
    fi
    samples[$s]+=" $(json_field "$out" deliveries_per_s)"
    echo "round $round $s: $out" >&2
  done
done
for s in "${servers[@]}"; do
  rate[$s]=$(median <<<"${samples[$s]}")
done
echo
echo "Chat fan-out: $clients clients in one room, $lines lines each, every line to the $((clients - 1))"
echo "others; server on CPU $server_cpu, clients on CPU $client_cpu; median of $rounds rounds."
printf '\n%-22s %16s %12s %12s\n' server deliveries/s vs_twisted vs_one_node
for s in ply twisted; do
  printf '%-22s %16s %12s %12s\n' "$s" "${rate[$s]}" "$(ratio "${rate[$s]}" "${rate[twisted]}")" ""
done
echo
echo "Across $nodes ply nodes of one cluster: $clients clients on each, one room, every line to the"
echo "$((clients * nodes - 1)) others; all nodes on CPU $server_cpu."
printf '%-22s %16s %12s %12s\n' "ply, $nodes nodes" "${rate[cluster]}" \
  "$(ratio "${rate[cluster]}" "${rate[twisted]}")" "$(ratio "${rate[cluster]}" "${rate[ply]}")"
