#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Compile weight: what a user's program costs to compile against ply's public headers, without
# the project's precompiled header: the wall time and peak memory of one `g++ -O2 -std=c++20 -c`
# of examples/echo_server.cpp (15 lines), through <ply/ply.hpp> (everything) and through only the headers a
# protocol needs (<ply/protocol.hpp>, <ply/factory.hpp>, <ply/run.hpp>, <ply/reactor.hpp>,
# <ply/command_line.hpp>). Issue 15's target: <= 8 s and <= 400 MB.
#   tools/ply bench compile [--runs N]
set -euo pipefail
bin=$1
shift
runs=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The echo server of examples/, as is, and with only the headers it needs instead of ply.hpp.
cp "$root/examples/echo_server.cpp" "$work/all.cpp"
needed='#include <ply/command_line.hpp>\n#include <ply/factory.hpp>\n#include <ply/protocol.hpp>\n#include <ply/reactor.hpp>\n#include <ply/run.hpp>'
sed "s|#include <ply/ply.hpp>|$needed|" "$root/examples/echo_server.cpp" > "$work/needed.cpp"
grep -q 'ply/protocol.hpp' "$work/needed.cpp" || { echo "examples/echo_server.cpp changed its include" >&2; exit 1; }

# measure FILE: the median wall time and peak RSS of compiling FILE, over $runs runs.
measure() {
  local times=() mems=()
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -o "$work/time" -f '%e %M' g++ -O2 -std=c++20 -I"$root/framework/include" \
      -c "$1" -o "$work/out.o"
    read -r secs kib <"$work/time"
    times+=("$secs")
    mems+=("$kib")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  m=$(printf '%s\n' "${mems[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  printf '%-34s %8s s %8s MB  %s\n' "$2" "$t" "$((m / 1024))" \
    "$(awk -v s="$t" -v k="$m" 'BEGIN { print (s <= 8 && k <= 400 * 1024 ? "within target" : "over target") }')"
}
echo "compiling a 15-line echo server, no precompiled header (median of $runs):"
measure "$work/all.cpp" "#include <ply/ply.hpp>"
measure "$work/needed.cpp" "protocol, factory, run, reactor"
