#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Deferred overhead: request/response ping-pong through ply deferreds versus CAF's request().then.
#   tools/ply bench deferred [--rounds N] [--repeats N]
set -euo pipefail
bin=$1
shift
[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '3,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
exec "$bin/ply-deferred-bench" "$@"
