#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main benchmarks in one go, and one table of their ratios against their anchors beside the
# ratios README quotes (tools/bench/reference.tsv, with the commit they were measured at): the
# guard for a change to the reactor, connection, protocol, factory, trace or hub path. --quick
# runs one short round of each (about 6 minutes); without it each runs its defaults (about 30).
#   tools/ply bench all [--quick] [--log DIR]
set -euo pipefail
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
quick=false
log=
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=true; shift ;;
    --log) log=$2; shift 2 ;;
    -h|--help) sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $log ]]; then
  log=$(mktemp -d)
else
  mkdir -p "$log"
fi

# The benchmarks and, with --quick, their short form.
declare -A quick_args=(
  [echo]="--rounds 1 --duration 2"
  [accept]="--rounds 1 --duration 2"
  [chat]="--rounds 1"
  [pubsub]="--rounds 1"
  [web]="--rounds 1 --seconds 2"
  [kv]="--rounds 1"
  [deferred]=""
  [remote]="--rounds 1"
  [connections]="--connections 5000"
)
order=(echo accept chat pubsub web kv deferred remote connections)

for b in "${order[@]}"; do
  args=()
  $quick && read -r -a args <<<"${quick_args[$b]}"
  echo "[bench all] $b ${args[*]}" >&2
  "$here/$b.sh" "$bin" "${args[@]}" >"$log/$b.out" 2>"$log/$b.err" || {
    rc=$?
    echo "[bench all] $b failed (exit $rc); its output: $log/$b.out, $log/$b.err" >&2
  }
done

# figure BENCH METRIC: this run's figure for one row of reference.tsv, read from the benchmark's
# table (empty when the benchmark failed or printed no such row).
figure() {
  local out=$log/$1.out
  [[ -s $out ]] || return 0
  case "$1|$2" in
    "echo|"*" conn vs epoll") awk -v c="${2%% *}" '$1 == "ply" && $2 == c { print $6 }' "$out" ;;
    "accept|vs epoll") awk '$1 == "ply" && NF == 5 { print $3 }' "$out" ;;
    "accept|vs twisted") awk '$1 == "ply" && NF == 5 { print $5 }' "$out" ;;
    "chat|vs twisted") awk '$1 == "ply" && NF == 3 { print $3 }' "$out" ;;
    "chat|nodes vs one node") awk '/^ply, [0-9]+ nodes/ { print $NF }' "$out" ;;
    "pubsub|one node vs redis") awk '$1 == "ply" { print $(NF - 1) }' "$out" ;;
    "pubsub|two nodes vs redis") awk '/^ply, across two nodes/ { print $(NF - 1) }' "$out" ;;
    "web|hello vs twisted") awk '/^hello world/ { print $NF }' "$out" ;;
    "web|file vs twisted") awk '/^4 KiB static file/ { print $NF }' "$out" ;;
    "kv|set vs memcached") awk '$1 == "set" { print $NF }' "$out" ;;
    "kv|get vs memcached") awk '$1 == "get" { print $NF }' "$out" ;;
    "deferred|overhead vs caf")
      awk '/^ply::request -> deferred/ { sub("x", "", $NF); print $NF }' "$out" ;;
    "remote|vs caf") awk '/^ply \(cluster_service/ { print $NF }' "$out" ;;
    "connections|bytes per idle conn")
      awk '/per idle connection:/ { for (i = 1; i < NF; ++i) if ($i == "connection:") print $(i + 1) }' \
        "$out" ;;
  esac
}

echo
echo "Every benchmark$($quick && echo ', one quick round each'); logs in $log."
printf '\n%-12s %-26s %10s %10s %9s  %s\n' benchmark figure now README change "README's commit"
while IFS=$'\t' read -r bench metric readme commit; do
  [[ -z $bench || $bench == \#* ]] && continue
  now=$(figure "$bench" "$metric")
  change=$(awk -v a="${now:-}" -v b="$readme" \
    'BEGIN { if (a == "" || b + 0 == 0) print "-"; else printf "%+.0f%%", (a / b - 1) * 100 }')
  printf '%-12s %-26s %10s %10s %9s  %s\n' "$bench" "$metric" "${now:--}" "$readme" "$change" \
    "$commit"
done <"$here/reference.tsv"
