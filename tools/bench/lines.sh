#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Code lines (non-blank, non-comment) of the seed programs in ply against their Twisted originals,
# and the CAF vocabulary left in them (`caf::` tokens).
#   tools/ply bench lines
# Twisted's counts are those of the seed programs (issue 16): the chat server, and the finger
# tutorial's "finger with a deferred" and "read status from a map" listings.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }

# cpp_lines FILE: lines that are neither blank nor only a // comment.
cpp_lines() { grep -cvE '^\s*(//.*)?$' "$1"; }
caf_tokens() { grep -o 'caf::' "$1" | wc -l; }

printf '%-44s %8s %8s %8s %6s\n' "seed program" twisted ply target caf::
row() {  # NAME TWISTED FILE TARGET
  printf '%-44s %8s %8s %8s %6s\n' "$1" "$2" "$(cpp_lines "$root/$3")" "$4" "$(caf_tokens "$root/$3")"
}
row "chat server (examples/tutorial/chat_server.cpp)" 38 \
  examples/tutorial/chat_server.cpp "<= 45"
row "finger with a deferred (examples/finger_deferred.cpp)" 21 examples/finger_deferred.cpp "<= 25"
row "finger from a map (examples/finger/finger05_map.cpp)" 15 examples/finger/finger05_map.cpp \
  "<= 18"
row "pub/sub server (examples/pubsub_server.cpp)" - examples/pubsub_server.cpp -
