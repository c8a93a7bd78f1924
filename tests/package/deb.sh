#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package as an operator uses it (root: it installs into /usr): builds it with
# `tools/ply package`, installs it with apt-get, runs the installed plyd against nc, reads its
# manual page, builds the tutorial's echo against the installed headers and library, then removes
# the package and checks that nothing it installed is left. Exit 0 when all of it works.
#   tests/package/deb.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '[deb] %s\n' "$*"; }
fail() { printf '[deb] FAILED: %s\n' "$*" >&2; exit 1; }
source "$root/tests/package/lib.sh"
[[ $(id -u) == 0 ]] || fail "run as root: the package installs into /usr"

step "build the package"
PLY_BUILD_DIR=$build "$root/tools/ply" package
deb=$(ls "$build"/ply_*.deb | head -1)
[[ -f $deb ]] || fail "no .deb in $build"
step "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

if dpkg-query -W -f='${Status}' ply 2>/dev/null | grep -q "install ok installed"; then
  step "removing an older ply first"
  apt-get remove -y -qq --purge ply >/dev/null
fi
step "apt-get install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
dpkg -L ply >"$work/files"
for f in /usr/bin/plyd /usr/bin/ply-trace /usr/include/ply/ply.hpp /usr/lib/pkgconfig/ply.pc \
         /usr/share/man/man1/plyd.1.gz /usr/share/doc/ply/systemd/plyd@.service; do
  grep -qx "$f" "$work/files" || fail "the package has no $f"
done
step "$(wc -l <"$work/files") paths installed"

step "the installed plyd serves echo"
[[ $(command -v plyd) == /usr/bin/plyd ]] || fail "plyd is not /usr/bin/plyd"
plyd --version | grep -q "^plyd (ply) " || fail "plyd --version"
plyd echo --port tcp:0:interface=127.0.0.1 2>"$work/plyd.log" &
pid=$!
port=$(wait_port "$work/plyd.log" "plyd")
got=$(printf 'from the package\n' | timeout 10 nc -N 127.0.0.1 "$port")
[[ $got == "from the package" ]] || fail "plyd answered '$got'"
kill -TERM "$pid"
wait "$pid" || fail "plyd did not stop cleanly"
pid=
step "plyd: echoes on port $port, stops with exit 0"

step "man plyd renders"
man -P cat -l /usr/share/man/man1/plyd.1.gz 2>/dev/null | grep -q -- "--threadpool-size" \
  || fail "the manual page of plyd does not render its options"
man -P cat -l /usr/share/man/man1/ply-trace.1.gz 2>/dev/null | grep -q "summary" \
  || fail "the manual page of ply-trace does not render its commands"

step "the tutorial's echo builds against the installed package"
cmake -S "$root/tests/package/find_package" -B "$work/fp" \
  -DPLY_EXAMPLE="$root/examples/tutorial/echo.cpp" >/dev/null
cmake --build "$work/fp" >/dev/null
"$work/fp/echo" --port tcp:0:interface=127.0.0.1 2>"$work/echo.log" &
pid=$!
port=$(wait_port "$work/echo.log" "the echo built against the package")
got=$(printf 'built\n' | timeout 10 nc -N 127.0.0.1 "$port")
[[ $got == "built" ]] || fail "the echo answered '$got'"
kill -TERM "$pid"
wait "$pid" || true
pid=
g++ -std=c++20 "$root/examples/tutorial/echo.cpp" $(pkg-config --cflags --libs ply) \
  -o "$work/pc_echo" || fail "pkg-config ply does not build the echo"
step "find_package(ply) and pkg-config ply: the echo builds and serves"

step "apt-get remove --purge ply"
apt-get remove -y -qq --purge ply >/dev/null
left=()
while read -r f; do
  [[ -f $f || -L $f ]] && left+=("$f")
done <"$work/files"
[[ ${#left[@]} == 0 ]] || fail "left behind: ${left[*]}"
[[ ! -e /usr/include/ply ]] || fail "/usr/include/ply is left"
step "removed: nothing it installed is left"
step "all good"
