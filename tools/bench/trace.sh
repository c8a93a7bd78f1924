#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ply-trace at scale: a generated trace of 1M events (a ping-pong among 1,000 actor pairs: one
# causal chain of 100,000 messages, then chains of 10) read by every subcommand; wall time and peak
# resident memory of each, against the goal of < 15 s and < 500 MB per subcommand.
#   tools/ply bench trace [--events 1000000] [--chain 100000]
set -euo pipefail
bin=$1
shift
events=1000000
chain=100000
while [[ $# -gt 0 ]]; do
  case $1 in
    --events) events=$2; shift 2 ;;
    --chain) chain=$2; shift 2 ;;
    -h|--help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=$work/big.jsonl

/usr/bin/python3 - "$file" "$events" "$chain" <<'PY'
import sys
path, total, chain = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
node = "bench:1"
pairs = 1000
with open(path, "w") as out:
    w = out.write
    w('{"id":0,"t":0,"node":"%s","ev":"meta","schema":1,"pid":1,"start_unix_ns":1700000000000000000}\n' % node)
    i = 1
    for a in range(1, 2 * pairs + 1):
        w('{"id":%d,"t":%d,"node":"%s","ev":"spawn","actor":%d,"type":"bench.%s","parent":0}\n'
          % (i, i, node, a, "ping" if a % 2 else "pong"))
        i += 1
    first = i
    while i < total:
        k = i % pairs
        a, b = 2 * k + 1, 2 * k + 2
        to, frm = (a, b) if (i // pairs) % 2 else (b, a)
        # The first `chain` messages are one causal chain (each sent while handling the one
        # before); after them, chains of 10.
        if i < first + chain:
            cause = i - 1 if i > first else 0
        else:
            cause = i - 1 if (i - first) % 10 else 0
        w('{"id":%d,"t":%d,"node":"%s","ev":"recv","actor":%d,"from":%d,"msg":"ping","size":8,'
          '"cause":%d,"sent_ns":%d,"wait_ns":100,"handler_ns":200}\n' % (i, i * 1000, node, to, frm, cause, i * 1000 - 100))
        i += 1
print("generated", total, "events", file=sys.stderr)
PY
size=$(du -m "$file" | cut -f1)
echo "trace: $events events ($size MB), one chain of up to $chain messages"
first_of_chain=2001  # the first message: the long chain starts there

# run NAME ARGS...: one subcommand, its output discarded; prints time and peak RSS.
run() {
  local name=$1
  shift
  local rc=0
  /usr/bin/time -o "$work/time" -f '%e %M' "$bin/ply-trace" "$@" >/dev/null 2>"$work/err" || rc=$?
  local secs kib
  read -r secs kib <"$work/time"
  printf '%-10s %8s s %8s MB  %s  exit %s\n' "$name" "$secs" "$((kib / 1024))" \
    "$(awk -v s="$secs" -v k="$kib" -v rc="$rc" 'BEGIN { print (rc == 0 && s < 15 && k < 500 * 1024 ? "within goal" : "OVER GOAL") }')" "$rc"
}
printf '%-10s %10s %11s\n' subcommand time "peak RSS"
run summary summary "$file"
run actors actors "$file"
run filter filter --type ping "$file"
run follow follow "$file" "$first_of_chain"
run sequence sequence --actor 1 "$file"
run chrome chrome -o "$work/out.json" "$file"
run html html -o "$work/out.html" "$file"
