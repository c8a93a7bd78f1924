#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pub/sub benchmark: plyd pubsub --resp against redis-server, in one run. Ten subscribers on channel
# "news" (ply-fanout) while redis-benchmark publishes from 50 clients; then the same across two
# ply nodes (publishers on one, subscribers on the other). Medians of several rounds.
#   tools/ply bench pubsub [--rounds N] [--requests N] [--subscribers N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=3
requests=200000
subscribers=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --subscribers) subscribers=$2; shift 2 ;;
    -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "redis-server is missing (tools/ply installs it)" >&2; exit 2; }
logdir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT


# measure PUB_PORT SUB_PORT: subscribers on SUB_PORT, redis-benchmark on PUB_PORT; prints
# "PUBLISH/s delivered/s delivered_total".
measure() {
  local pub=$1 sub=$2
  taskset -c "$client_cpu" "$bin/ply-fanout" --mode subscribe --port "$sub" \
    --connections "$subscribers" --idle 1 > "$logdir/sub.out" &
  local sub_pid=$!
  for _ in $(seq 1 100); do grep -q ready "$logdir/sub.out" 2>/dev/null && break; sleep 0.05; done
  sleep 0.3  # subscriptions made on another node take a moment to be counted there
  local out rps
  out=$(taskset -c "$client_cpu" redis-benchmark -p "$pub" -c 50 -n "$requests" -q \
        publish news 0123456789abcdef 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
  wait "$sub_pid" 2>/dev/null || true
  rps=$(sed 's/.*: \([0-9.]*\) requests per second.*/\1/' <<<"$out")
  local res
  res=$(tail -1 "$logdir/sub.out")
  echo "$rps $(json_field "$res" messages_per_s) $(json_field "$res" messages)"
}

declare -A pub del got
for round in $(seq 1 "$rounds"); do
  # redis-server, one node.
  port=$(free_port)
  taskset -c "$server_cpu" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    > "$logdir/redis.log" 2>&1 &
  pids+=($!)
  sleep 0.5
  read -r r d n < <(measure "$port" "$port")
  pub[redis]+=" $r"; del[redis]+=" $d"; got[redis]+=" $n"
  echo "round $round redis: $r PUBLISH/s" >&2
  kill -TERM "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

  # ply, one node.
  start_server "$logdir/ply.log" "$bin/plyd" pubsub --resp --port tcp:0:interface=127.0.0.1:backlog=1024
  read -r r d n < <(measure "$server_port" "$server_port")
  pub[ply]+=" $r"; del[ply]+=" $d"; got[ply]+=" $n"
  echo "round $round ply: $r PUBLISH/s" >&2
  stop_server

  # ply, two nodes: publish on a, subscribers on b (both nodes on the server CPU).
  start_server "$logdir/a.log" "$bin/plyd" pubsub --resp --port tcp:0:interface=127.0.0.1:backlog=1024 \
    --cluster tcp:0
  a_pid=$server_pid
  a_port=$(grep -o 'listening on [^ ]*:[0-9]*' "$logdir/a.log" | sed -n 2p | sed 's/.*://')
  a_cluster=$(grep -o 'listening on [^ ]*:[0-9]*' "$logdir/a.log" | sed -n 1p | sed 's/.*://')
  start_server "$logdir/b.log" "$bin/plyd" pubsub --resp --port tcp:0:interface=127.0.0.1:backlog=1024 \
    --join "127.0.0.1:$a_cluster"
  b_pid=$server_pid
  sleep 0.3
  b_port=$(grep -o 'listening on [^ ]*:[0-9]*' "$logdir/b.log" | sed -n 2p | sed 's/.*://')
  read -r r d n < <(measure "$a_port" "$b_port")
  pub[cluster]+=" $r"; del[cluster]+=" $d"; got[cluster]+=" $n"
  echo "round $round two ply nodes: $r PUBLISH/s" >&2
  server_pid=$b_pid; stop_server
  server_pid=$a_pid; stop_server
done

echo
echo "Pub/sub: redis-benchmark PUBLISH ($requests requests from 50 clients), $subscribers subscribers"
echo "on 'news'; server on CPU $server_cpu, clients on CPU $client_cpu; median of $rounds rounds;"
echo "delivered/s is measured by the subscribers; 'lost' is the worst round's missing messages."
printf '\n%-24s %12s %14s %10s %10s\n' server PUBLISH/s delivered/s vs_redis lost
r_redis=$(median <<<"${pub[redis]}")
for s in redis ply cluster; do
  r=$(median <<<"${pub[$s]}")
  d=$(median <<<"${del[$s]}")
  label=$s
  [[ $s == cluster ]] && label="ply, across two nodes"
  # Every PUBLISH reaches every subscriber: anything short of requests x subscribers was lost.
  lost=$(for n in ${got[$s]}; do echo $((requests * subscribers - n)); done | sort -n | tail -1)
  printf '%-24s %12s %14s %10s %10s\n' "$label" "$r" "$d" "$(ratio "$r" "$r_redis")" "$lost"
done
