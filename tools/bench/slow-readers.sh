#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Slow readers: what clients that never read cost a producer, per client. For N = 10, 100, 1000
# such clients (a 4 KiB receive buffer, never read), the server's resident memory once it settled,
# less its memory before, divided by N; then the same a few seconds later (flat means bounded).
# plyd chargen against Twisted's chargen (twisted.protocols.wire.Chargen), and plyd web against
# twisted.web's static.File, each sending a 256 MiB file. ply's bound per client is the write
# buffer's high-water mark (1 MiB) plus one burst; the kernel's socket buffers are not counted.
#   tools/ply bench slow-readers [--clients "10 100 1000"] [--what "chargen web"]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
counts="10 100 1000"
what="chargen web"
while [[ $# -gt 0 ]]; do
  case $1 in
    --clients) counts=$2; shift 2 ;;
    --what) what=$2; shift 2 ;;
    -h|--help) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
holder_pid=
cleanup() {
  [[ -n $holder_pid ]] && kill "$holder_pid" 2>/dev/null || true
  [[ -n ${server_pid:-} ]] && stop_server
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www"
truncate -s 256M "$work/www/big.bin"

# hold PORT N REQUEST: opens N clients that send REQUEST and never read; stays until killed.
# Returns once they are all connected.
hold() {
  /usr/bin/python3 - "$@" >"$work/held" <<'PY' &
import socket, sys, time
port, n, request = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode().decode("unicode_escape").encode()
held = []
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    if request:
        s.sendall(request)
    held.append(s)
print("held", flush=True)
time.sleep(3600)
PY
  holder_pid=$!
  for _ in $(seq 1 600); do
    grep -q held "$work/held" 2>/dev/null && return 0
    kill -0 "$holder_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "the clients could not connect" >&2
  return 1
}

# settle PID: waits until its RSS changes by less than 1 MiB in half a second (at most 30 s).
settle() {
  local last now
  last=$(rss_kib "$1")
  for _ in $(seq 1 60); do
    sleep 0.5
    now=$(rss_kib "$1")
    (( now - last < 1024 && last - now < 1024 )) && break
    last=$now
  done
}

# measure NAME N REQUEST CMD...: one server, N slow clients; sets per_client (KiB per client,
# 3 s after the memory settled) and prints the figures.
measure() {
  local name=$1 n=$2 request=$3
  shift 3
  start_server "$work/$name.log" "$@"
  sleep 0.3
  local base settled later
  base=$(rss_kib "$server_pid")
  hold "$server_port" "$n" "$request"
  settle "$server_pid"
  settled=$(rss_kib "$server_pid")
  sleep 3
  later=$(rss_kib "$server_pid")
  kill "$holder_pid" 2>/dev/null || true
  wait "$holder_pid" 2>/dev/null || true
  holder_pid=
  stop_server
  server_pid=
  local per
  per=$(awk -v a="$settled" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')
  per_client=$(awk -v a="$later" -v b="$base" -v n="$n" 'BEGIN { printf "%.0f", (a - b) / n }')
  printf '%-16s N=%-5s base %7s KiB  settled %8s KiB  3 s later %8s KiB  per client %6s KiB (then %6s)\n' \
    "$name" "$n" "$base" "$settled" "$later" "$per" "$per_client" >&2
}

ulimit -n 20000
get='GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'
for w in $what; do
  echo "== $w: resident memory per client that never reads (KiB) =="
  printf '%-6s %12s %12s %8s\n' N ply twisted "ply/twisted"
  for n in $counts; do
    case $w in
      chargen)
        measure ply-chargen "$n" "" "$bin/plyd" chargen --max-connections 5000 --port tcp:0:interface=127.0.0.1
        p=$per_client
        measure twisted-chargen "$n" "" /usr/bin/python3 "$here/baselines/twisted_chargen.py" 0
        t=$per_client ;;
      web)
        measure ply-web "$n" "$get" "$bin/plyd" web --max-connections 5000 --port tcp:0:interface=127.0.0.1 --path "$work/www"
        p=$per_client
        measure twisted-web "$n" "$get" /usr/bin/python3 "$here/baselines/twisted_web.py" 0 "$work/www"
        t=$per_client ;;
      *) echo "unknown: $w (chargen, web)" >&2; exit 2 ;;
    esac
    printf '%-6s %12s %12s %8s\n' "$n" "$p" "$t" "$(ratio "$p" "$t")"
  done
done
