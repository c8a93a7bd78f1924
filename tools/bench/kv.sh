#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Key-value benchmark: plyd kv --memcached against Debian's memcached (one worker thread per core
# we give it, -t 1, on the same server CPU) in one run, with memcslap: sets, then gets, from 50
# concurrent clients. Medians of several rounds.
#   tools/ply bench kv [--rounds N] [--requests N] [--concurrency N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=3
requests=4000
concurrency=50
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v memcslap >/dev/null && command -v memcached >/dev/null \
  || { echo "memcslap or memcached is missing (tools/ply installs them)" >&2; exit 2; }
work=$(mktemp -d)
mc_pid=
trap 'stop_server 2>/dev/null || true; [[ -n $mc_pid ]] && kill "$mc_pid" 2>/dev/null; rm -rf "$work"' EXIT

# ops PORT TEST: operations per second of one memcslap run (set or get).
ops() {
  local secs
  secs=$(taskset -c "$client_cpu" memcslap --servers="127.0.0.1:$1" --concurrency="$concurrency" \
         --execute-number="$requests" --test="$2" 2>&1 | awk '/Time to/ { print $(NF-1) }' | tail -1)
  awk -v n=$((requests * concurrency)) -v s="$secs" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }'
}

declare -A res
for round in $(seq 1 "$rounds"); do
  port=$(free_port)
  taskset -c "$server_cpu" memcached -l 127.0.0.1 -p "$port" -t 1 -U 0 -u nobody &
  mc_pid=$!
  sleep 0.5
  res[memcached-set]+=" $(ops "$port" set)"
  res[memcached-get]+=" $(ops "$port" get)"
  kill "$mc_pid"; wait "$mc_pid" 2>/dev/null || true; mc_pid=
  start_server "$work/ply.log" "$bin/plyd" kv --port "" --memcached tcp:0:interface=127.0.0.1
  res[ply-set]+=" $(ops "$server_port" set)"
  res[ply-get]+=" $(ops "$server_port" get)"
  stop_server
  echo "round $round done" >&2
done

echo
echo "Key-value: memcslap, $concurrency concurrent clients x $requests operations; server on CPU"
echo "$server_cpu (memcached -t 1), memcslap on CPU $client_cpu; median of $rounds rounds."
printf '\n%-12s %14s %14s %12s\n' operation memcached ply vs_memcached
for op in set get; do
  m=$(median <<<"${res[memcached-$op]}")
  p=$(median <<<"${res[ply-$op]}")
  printf '%-12s %14s %14s %12s\n' "$op (ops/s)" "$m" "$p" "$(ratio "$p" "$m")"
done
