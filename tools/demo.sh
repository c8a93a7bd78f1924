#!/usr/bin/env bash
# The main demo (started by `tools/ply demo`): the echo server and the chat server on loopback,
# until Ctrl-C. Ports: --echo-port (default 8000), --chat-port (default 8001).
set -euo pipefail
bin=$1
shift
echo_port=8000
chat_port=8001
while [[ $# -gt 0 ]]; do
  case $1 in
    --echo-port) echo_port=$2; shift 2 ;;
    --chat-port) chat_port=$2; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
pids=()
stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM
"$bin/echo_server" --port "tcp:$echo_port:interface=127.0.0.1" &
pids+=($!)
"$bin/chat_server" --port "tcp:$chat_port:interface=127.0.0.1" &
pids+=($!)
sleep 0.5
for p in "${pids[@]}"; do
  if ! kill -0 "$p" 2>/dev/null; then
    echo "a demo server did not start (is the port taken? try --echo-port/--chat-port)" >&2
    exit 1
  fi
done
cat <<MSG

ply demo is running (Ctrl-C stops it):
  echo server:  nc localhost $echo_port          (every line comes back)
  chat room:    nc localhost $chat_port          (open two terminals; pick a name, then talk)

MSG
wait
