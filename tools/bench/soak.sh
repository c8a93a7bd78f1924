#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Soak: sustained load for several minutes while the server's resident memory is sampled every
# second. echo: ply's echo_server under 50 echo connections plus connect-echo-close churn. pubsub:
# plyd pubsub (RESP) with redis-benchmark publishing and 5 redis-cli subscribers, restarted every
# 30 s. Growth is the last sample against the one a minute in (after warm-up); target < 5%.
#   tools/ply bench soak [--minutes 10] [--what "echo pubsub"] [--samples DIR]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
minutes=10
what="echo pubsub"
samples_dir=
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --what) what=$2; shift 2 ;;
    --samples) samples_dir=$2; shift 2 ;;
    -h|--help) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
logdir=$(mktemp -d)
load_pids=()
cleanup() {
  for p in "${load_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pkill -P $$ 2>/dev/null || true
  rm -rf "$logdir"
}
trap cleanup EXIT
seconds=$((minutes * 60))
warm=$((seconds < 120 ? seconds / 2 : 60))

# sample FILE: RSS of the server every second until the run ends; "SECOND KIB" per line.
sample() {
  local out=$1
  : >"$out"
  for t in $(seq 1 "$seconds"); do
    sleep 1
    echo "$t $(rss_kib "$server_pid")" >>"$out"
  done
}

report() {
  local name=$1 file=$2
  local base last max
  base=$(awk -v w="$warm" '$1 == w { print $2 }' "$file")
  last=$(tail -1 "$file" | awk '{ print $2 }')
  max=$(awk -v w="$warm" '$1 >= w && $2 > m { m = $2 } END { print m }' "$file")
  local growth
  growth=$(awk -v a="$last" -v b="$base" 'BEGIN { printf "%.1f", (a - b) * 100 / b }')
  printf '%-8s RSS at %ds: %s KiB, at %ds: %s KiB (max after warm-up %s KiB): growth %s%% (%s)\n' \
    "$name" "$warm" "$base" "$seconds" "$last" "$max" "$growth" \
    "$(awk -v g="$growth" 'BEGIN { print (g < 5 ? "under 5%" : "OVER 5%") }')"
  [[ -n $samples_dir ]] && mkdir -p "$samples_dir" && cp "$file" "$samples_dir/$name.rss"
  return 0
}

for w in $what; do
  load_pids=()
  case $w in
    echo)
      start_server "$logdir/echo.log" "$bin/echo_server" --port tcp:0:interface=127.0.0.1
      taskset -c "$client_cpu" "$bin/ply-loadgen" --port "$server_port" --connections 50 \
        --warmup 0 --duration "$seconds" >"$logdir/echo.json" &
      load_pids+=($!)
      taskset -c "$client_cpu" "$bin/ply-loadgen" --mode accept --port "$server_port" \
        --connections 2 --warmup 0 --duration "$seconds" >"$logdir/churn.json" &
      load_pids+=($!)
      ;;
    pubsub)
      start_server "$logdir/pubsub.log" "$bin/plyd" pubsub --resp --port tcp:0:interface=127.0.0.1
      for _ in 1 2 3 4 5; do
        ( end=$((SECONDS + seconds))
          while ((SECONDS < end)); do
            timeout 30 redis-cli -p "$server_port" subscribe news >/dev/null 2>&1 || true
          done ) &
        load_pids+=($!)
      done
      taskset -c "$client_cpu" timeout "$seconds" redis-benchmark -p "$server_port" -c 10 -l -q \
        publish news "$(printf 'x%.0s' $(seq 1 64))" >/dev/null 2>&1 &
      load_pids+=($!)
      ;;
    *) echo "unknown soak $w (echo or pubsub)" >&2; exit 2 ;;
  esac
  echo "soaking $w for $minutes minute(s)..." >&2
  sample "$logdir/$w.rss"
  for p in "${load_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ $w == echo ]] && echo "echo load: $(cat "$logdir/echo.json"); churn: $(cat "$logdir/churn.json")" >&2
  alive=yes
  kill -0 "$server_pid" 2>/dev/null || alive=no
  stop_server
  report "$w" "$logdir/$w.rss"
  echo "         server alive at the end: $alive" 
done
