#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Idle connections: opens N connections to one ply server process and reports its resident memory
# growth per connection. --server echo (default): ply's echo_server, each connection checked with
# one echoed byte. --server chat: plyd chat, each connection checked by reading the name prompt;
# while all are open, two users log in and talk, to show the server still serves.
#   tools/ply bench connections [--connections 18000] [--server echo|chat]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
conns=18000
server=echo
while [[ $# -gt 0 ]]; do
  case $1 in
    --connections) conns=$2; shift 2 ;;
    --server) server=$2; shift 2 ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

idle=(--mode idle)
case $server in
  echo) start_server "$logdir/ply.log" "$bin/echo_server" --max-connections $((conns + 100)) \
          --port tcp:0:interface=127.0.0.1:backlog=4096 ;;
  # (plyd's heap in 4 KiB pages: with huge pages the RSS moves in 2 MiB steps)
  chat) start_server "$logdir/ply.log" env PLYD_HUGE_PAGES=0 "$bin/plyd" \
          --max-connections $((conns + 100)) chat --port tcp:0:interface=127.0.0.1:backlog=4096
        idle+=(--greeting) ;;
  *) echo "unknown server $server (echo or chat)" >&2; exit 2 ;;
esac
# Warm up allocator and actor system with a few connections first, so the baseline is fair.
"$bin/ply-loadgen" "${idle[@]}" --port "$server_port" --connections 100 --hold 0.2 >/dev/null
sleep 0.3
before=$(rss_kib "$server_pid")
started=$(date +%s.%N)
"$bin/ply-loadgen" "${idle[@]}" --port "$server_port" --connections "$conns" --hold 600 \
  >"$logdir/idle.json" &
loadgen_pid=$!
for _ in $(seq 1 1200); do
  grep -q '"open"' "$logdir/idle.json" 2>/dev/null && break
  sleep 0.1
done
opened=$(date +%s.%N)
sleep 1
after=$(rss_kib "$server_pid")
open=$(json_field "$(cat "$logdir/idle.json")" open)
served=n/a
if [[ $server == chat ]]; then
  # Two users log in and talk while every other connection is open.
  served=$(python3 - "$server_port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def user(name):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(name.encode() + b"\n")
    f.readline()
    return s, f
a, fa = user("soak_a")
b, fb = user("soak_b")
start = time.time()
a.sendall(b"hello under load\n")
while True:
    line = fb.readline().decode()
    if "hello under load" in line:
        break
print("yes, a line crossed in %.2f ms" % ((time.time() - start) * 1000))
PY
  ) || served=no
fi
kill "$loadgen_pid" 2>/dev/null || true
wait "$loadgen_pid" 2>/dev/null || true
stop_server
per=$(awk -v a="$after" -v b="$before" -v n="$open" 'BEGIN { if (n > 0) printf "%.0f", (a - b) * 1024 / n; else print "n/a" }')
echo "server: $server"
echo "connections open: $open of $conns (in $(awk -v a="$started" -v b="$opened" 'BEGIN { printf "%.1f", b - a }') s)"
echo "server RSS before: ${before} KiB, with connections: ${after} KiB"
# The 2 KiB target is an echo connection's; a chat connection (names, rooms) has none of its own.
target=""
[[ $server == echo ]] && target=" (target <= 2048)"
echo "RSS growth per idle connection: ${per} bytes$target"
[[ $server == chat ]] && echo "chat still serving with all of them open: $served"
exit 0
