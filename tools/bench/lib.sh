# SPDX-License-Identifier: MIT
# Shared helpers for the benchmark scripts (sourced).
# The server runs on CPU 0 and the load generator on CPU 1, so "one server core" is measured.
server_cpu=0
client_cpu=1

# start_server LOGFILE CMD...: starts CMD pinned to the server CPU; sets server_pid and server_port.
start_server() {
  local log=$1
  shift
  taskset -c "$server_cpu" "$@" 2>"$log" >/dev/null &
  server_pid=$!
  server_port=
  for _ in $(seq 1 200); do
    server_port=$(grep -o 'listening on [^ ]*:[0-9]*' "$log" 2>/dev/null | head -1 | sed 's/.*://' || true)
    [[ -n $server_port ]] && return 0
    sleep 0.05
  done
  echo "server did not start: $*" >&2
  cat "$log" >&2
  return 1
}

# echo_command NAME: sets cmd to the echo server NAME of the echo and accept benchmarks: ply (its
# echo_server), ply-traced (recording a trace into $logdir), before ($PLY_BENCH_BEFORE's
# echo_server), epoll, asio or twisted. Unknown names end the script with exit code 2.
echo_command() {
  local listen=tcp:0:interface=127.0.0.1:backlog=1024
  case $1 in
    ply) cmd=("$bin/echo_server" --port "$listen") ;;
    ply-traced) cmd=("$bin/echo_server" --port "$listen" --trace "$logdir/echo.trace") ;;
    before) cmd=("$PLY_BENCH_BEFORE/echo_server" --port "$listen") ;;
    epoll) cmd=("$bin/epoll_echo" 0) ;;
    asio) cmd=("$bin/asio_echo" 0) ;;
    twisted) cmd=(/usr/bin/python3 "$here/baselines/twisted_echo.py" 0) ;;
    *) echo "unknown server '$1' (ply ply-traced before epoll asio twisted)" >&2; exit 2 ;;
  esac
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

# json_field JSON NAME: a number from the load generator's one-line JSON.
json_field() {
  grep -o "\"$2\": [0-9.]*" <<<"$1" | sed 's/.*: //'
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# median: the median of the numbers on standard input (separated by spaces or lines).
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# free_port: a loopback port nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# rss_kib PID: resident memory of a process in KiB (0 once it is gone).
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
