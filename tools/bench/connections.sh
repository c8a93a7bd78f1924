#!/usr/bin/env bash
# Idle connections: opens N connections to ply's echo_server (each checked with one echoed byte),
# and reports the server's resident memory growth per connection.
#   tools/ply bench connections [--connections 18000]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
conns=18000
while [[ $# -gt 0 ]]; do
  case $1 in
    --connections) conns=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# Each process needs one descriptor per connection (this machine allows 20,000).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < conns + 100 )); then
  echo "open file limit $(ulimit -n) is too low for $conns connections" >&2
  exit 1
fi
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"; kill $loadgen_pid 2>/dev/null || true' EXIT
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

start_server "$logdir/ply.log" "$bin/echo_server" --port tcp:0:interface=127.0.0.1:backlog=4096
# Warm up allocator and actor system with a few connections first, so the baseline is fair.
"$bin/ply-loadgen" --mode idle --port "$server_port" --connections 100 --hold 0.2 >/dev/null
sleep 0.3
before=$(rss_kib "$server_pid")
"$bin/ply-loadgen" --mode idle --port "$server_port" --connections "$conns" --hold 600 \
  >"$logdir/idle.json" &
loadgen_pid=$!
for _ in $(seq 1 1200); do
  grep -q '"open"' "$logdir/idle.json" 2>/dev/null && break
  sleep 0.1
done
sleep 1
after=$(rss_kib "$server_pid")
open=$(json_field "$(cat "$logdir/idle.json")" open)
kill "$loadgen_pid" 2>/dev/null || true
wait "$loadgen_pid" 2>/dev/null || true
stop_server
per=$(awk -v a="$after" -v b="$before" -v n="$open" 'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print "n/a" }')
echo "connections open: $open of $conns"
echo "server RSS before: ${before} KiB, with connections: ${after} KiB"
echo "RSS growth per idle connection: ${per} bytes (target <= 2048)"
