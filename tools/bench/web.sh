#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP benchmark: plyd web against twisted.web (Debian's python3-twisted) in one run, with wrk:
# a hello-world resource and a 4 KiB static file, keep-alive connections. Medians of several rounds.
#   tools/ply bench web [--rounds N] [--seconds N] [--connections N]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
rounds=3
seconds=5
connections=50
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    -h|--help) sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing (tools/ply installs it)" >&2; exit 2; }
work=$(mktemp -d)
trap 'stop_server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/www"
head -c 4096 /dev/urandom > "$work/www/file.bin"

# rps URL: requests per second from wrk (2 threads on the client CPU).
rps() {
  taskset -c "$client_cpu" wrk -t 2 -c "$connections" -d "${seconds}s" "$1" 2>/dev/null \
    | awk '/Requests\/sec/ { print $2 }'
}

declare -A res
for round in $(seq 1 "$rounds"); do
  for s in twisted ply; do
    if [[ $s == ply ]]; then
      start_server "$work/$s.log" "$bin/plyd" web --port tcp:0:interface=127.0.0.1 --path "$work/www"
    else
      start_server "$work/$s.log" /usr/bin/python3 "$here/baselines/twisted_web.py" 0 "$work/www"
    fi
    base="http://127.0.0.1:$server_port"
    # Both must serve the same bytes before they are timed.
    cmp -s <(curl -s "$base/file.bin") "$work/www/file.bin" || { echo "$s serves the file wrong" >&2; exit 1; }
    h=$(rps "$base/ply/hello")
    f=$(rps "$base/file.bin")
    res[$s-hello]+=" $h"
    res[$s-file]+=" $f"
    echo "round $round $s: hello $h req/s, file $f req/s" >&2
    stop_server
  done
done

echo
echo "HTTP: wrk, $connections keep-alive connections, ${seconds}s per run; server on CPU $server_cpu,"
echo "wrk on CPU $client_cpu; median of $rounds rounds."
printf '\n%-28s %14s %14s %10s\n' page twisted.web ply vs_twisted
for page in hello file; do
  t=$(median <<<"${res[twisted-$page]}")
  p=$(median <<<"${res[ply-$page]}")
  label=$([[ $page == hello ]] && echo "hello world (req/s)" || echo "4 KiB static file (req/s)")
  printf '%-28s %14s %14s %10s\n' "$label" "$t" "$p" "$(ratio "$p" "$t")"
done
