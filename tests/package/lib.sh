# SPDX-License-Identifier: MIT
# Shared by the package tests (sourced): they define `fail MESSAGE` first.

# wait_port LOG WHAT: the port a server logged as "listening on 127.0.0.1:PORT" (10 s at most).
wait_port() {
  local port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || { cat "$1" >&2; fail "$2 did not listen"; }
  echo "$port"
}
