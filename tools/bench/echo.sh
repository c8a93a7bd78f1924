#!/usr/bin/env bash
# Echo benchmark: ply's echo_server against a raw-Asio echo and Twisted's echo, in one run, driven
# by the same closed-loop load generator at 1, 50 and 500 connections with 64-byte messages.
#   tools/ply bench echo [--duration S] [--connections "1 50 500"]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
duration=5
conn_list="1 50 500"
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) conn_list=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

declare -A rate p50 p99
servers=(${PLY_BENCH_SERVERS:-ply asio twisted})
for s in "${servers[@]}"; do
  case $s in
    ply) cmd=("$bin/echo_server" --port tcp:0:interface=127.0.0.1 --log-level warn) ;;
    asio) cmd=("$bin/asio_echo" 0) ;;
    twisted) cmd=(/usr/bin/python3 "$here/baselines/twisted_echo.py" 0) ;;
  esac
  # ply logs "listening on" at info level: keep that line even at warn.
  [[ $s == ply ]] && cmd=("$bin/echo_server" --port tcp:0:interface=127.0.0.1)
  start_server "$logdir/$s.log" "${cmd[@]}"
  for c in $conn_list; do
    out=$(taskset -c "$client_cpu" "$bin/ply-loadgen" --port "$server_port" --connections "$c" \
          --size 64 --warmup 1 --duration "$duration")
    rate[$s,$c]=$(json_field "$out" msgs_per_s)
    p50[$s,$c]=$(json_field "$out" p50_us)
    p99[$s,$c]=$(json_field "$out" p99_us)
    echo "$s $c connections: $out" >&2
  done
  stop_server
done

printf '\n%-12s %-6s %12s %9s %9s %12s %12s\n' server conns msgs/s p50_us p99_us vs_asio vs_twisted
for c in $conn_list; do
  for s in "${servers[@]}"; do
    printf '%-12s %-6s %12s %9s %9s %12s %12s\n' "$s" "$c" "${rate[$s,$c]}" "${p50[$s,$c]}" \
      "${p99[$s,$c]}" "$(ratio "${rate[$s,$c]}" "${rate[asio,$c]}")" \
      "$(ratio "${rate[$s,$c]}" "${rate[twisted,$c]}")"
  done
done
echo
echo "p50 latency at 1 connection, ply / asio: $(ratio "${p50[ply,1]:-0}" "${p50[asio,1]:-0}")"
