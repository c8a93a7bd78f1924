#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main demo (started by `tools/ply demo`): a three-node chat cluster and a two-node Redis-style
# pub/sub cluster, all plyd processes on loopback, until Ctrl-C.
# Options: --chat-port P (first chat node; the others take P+1, P+2; default 8000),
#          --redis-port P (first pub/sub node; the other takes P+1; default 6380),
#          --cluster-port P (cluster links use P..P+4; default 9000), --logdir DIR (default: a
#          temporary directory).
set -euo pipefail
bin=$1
shift
chat=8000
redis=6380
cluster=9000
logdir=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --chat-port) chat=$2; shift 2 ;;
    --redis-port) redis=$2; shift 2 ;;
    --cluster-port) cluster=$2; shift 2 ;;
    --logdir) logdir=$2; shift 2 ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ -n $logdir ]] || logdir=$(mktemp -d /tmp/ply-demo.XXXXXX)
mkdir -p "$logdir"
pids=()
stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

# start NAME ARGS...: one plyd node, its log in $logdir/NAME.log.
start() {
  local name=$1
  shift
  "$bin/plyd" --logfile "$logdir/$name.log" "$@" &
  pids+=($!)
}
local_if=":interface=127.0.0.1"
start chat-a chat --port "tcp:$chat$local_if" --cluster "tcp:$cluster"
start chat-b chat --port "tcp:$((chat + 1))$local_if" --cluster "tcp:$((cluster + 1))" \
  --join "127.0.0.1:$cluster"
start chat-c chat --port "tcp:$((chat + 2))$local_if" --cluster "tcp:$((cluster + 2))" \
  --join "127.0.0.1:$((cluster + 1))"
start pubsub-a pubsub --resp --port "tcp:$redis$local_if" --cluster "tcp:$((cluster + 3))"
start pubsub-b pubsub --resp --port "tcp:$((redis + 1))$local_if" --cluster "tcp:$((cluster + 4))" \
  --join "127.0.0.1:$((cluster + 3))"
sleep 1
for p in "${pids[@]}"; do
  if ! kill -0 "$p" 2>/dev/null; then
    echo "a demo node did not start (a port taken? see $logdir, or try --chat-port," \
      "--redis-port, --cluster-port)" >&2
    exit 1
  fi
done
cat <<MSG

ply demo is running (Ctrl-C stops it); logs in $logdir

  Chat, three nodes in one cluster: users on any node share the rooms.
    nc localhost $chat          nc localhost $((chat + 1))          nc localhost $((chat + 2))
    pick a name, then talk; /join ROOM, /who, /rooms, /me ACTION, /msg NAME TEXT, /quit

  Pub/sub speaking Redis's protocol, two nodes in one cluster:
    redis-cli -p $redis subscribe news
    redis-cli -p $((redis + 1)) publish news hello      (answers how many received it)
    redis-cli -p $((redis + 1)) psubscribe 'n*'

  Try kill -9 on one chat node: its users leave the others' rooms within seconds.

MSG
wait
