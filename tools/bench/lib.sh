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
