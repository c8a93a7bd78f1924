#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package as a user consumes it: installs BUILD_DIR into a temporary prefix, then builds the
# tutorial's echo out of tree with find_package(ply), with pkg-config, and with add_subdirectory
# of the source tree at its defaults, runs each against nc; builds a plyd plugin against the
# installed package and loads it into the installed plyd; and checks that plyd refuses a plugin
# built against another ply version. Exit 0 when all of it works.
#   tests/package/consume.sh [BUILD_DIR]      (default: build; it must have been built)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
prefix=$work/prefix
step() { printf '[package] %s\n' "$*"; }
fail() { printf '[package] FAILED: %s\n' "$*" >&2; exit 1; }

source "$root/tests/package/lib.sh"

# serve_and_echo NAME CMD...: starts a server on a free loopback port, checks that it echoes,
# stops it.
serve_and_echo() {
  local name=$1
  shift
  "$@" --port tcp:0:interface=127.0.0.1 2>"$work/$name.log" &
  local pid=$!
  pids+=("$pid")
  local port
  port=$(wait_port "$work/$name.log" "$name")
  local got
  got=$(printf 'hello from %s\n' "$name" | timeout 10 nc -N 127.0.0.1 "$port")
  [[ $got == "hello from $name" ]] || fail "$name answered '$got'"
  kill -TERM "$pid"
  wait "$pid" || fail "$name did not stop cleanly"
  step "$name: echoes, stops with exit 0"
}

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
[[ -f $prefix/include/ply/ply.hpp && -f $prefix/include/ply/version.hpp ]] || fail "headers missing"
example=$root/examples/tutorial/echo.cpp
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

step "find_package(ply)"
cmake -S "$root/tests/package/find_package" -B "$work/fp" -DCMAKE_PREFIX_PATH="$prefix" \
  -DPLY_EXAMPLE="$example" "${launcher[@]}" >/dev/null
cmake --build "$work/fp" >/dev/null
serve_and_echo find_package "$work/fp/echo"

step "pkg-config --cflags --libs ply"
pcdir=$(dirname "$(find "$prefix" -name ply.pc | head -1)")
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs ply)
g++ "$example" $flags -o "$work/pc_echo"
serve_and_echo pkg-config "$work/pc_echo"

step "add_subdirectory(ply) at its defaults"
cmake -S "$root/tests/package/subdirectory" -B "$work/sd" -DPLY_SOURCE="$root" \
  -DPLY_EXAMPLE="$example" "${launcher[@]}" >/dev/null
grep -q "PLY_BUILD_EXAMPLES:BOOL=OFF" "$work/sd/CMakeCache.txt" || fail "examples default on"
cmake --build "$work/sd" -j "$(nproc)" >/dev/null   # all: the framework and the echo, no more
serve_and_echo add_subdirectory "$work/sd/echo"

step "a plyd plugin built out of tree"
cmake -S "$root/tests/package/plugin" -B "$work/plugin" -DCMAKE_PREFIX_PATH="$prefix" \
  -DPLY_PLUGIN_SOURCE="$root/examples/tutorial/hello_plugin.cpp" "${launcher[@]}" >/dev/null
cmake --build "$work/plugin" >/dev/null
[[ -x $prefix/bin/plyd ]] || fail "plyd is not installed"
"$prefix/bin/plyd" --plugin-path "$work/plugin" hello --greeting Howdy \
  --port tcp:0:interface=127.0.0.1 2>"$work/plyd.log" &
pid=$!
pids+=("$pid")
port=$(wait_port "$work/plyd.log" "plyd with the plugin")
got=$(printf 'hi\n' | timeout 10 nc -N 127.0.0.1 "$port" | tr -d '\r')
[[ $got == $'Howdy from a plugin!\nhi' ]] || fail "the plugin answered '$got'"
kill -TERM "$pid"
wait "$pid" || fail "plyd did not stop cleanly"
step "plugin: loaded by the installed plyd, greets and echoes"

step "a plugin built against another ply version is refused"
cp -r "$prefix/include" "$work/other"
sed -i 's/#define PLY_VERSION_STRING ".*"/#define PLY_VERSION_STRING "9.9.9"/' \
  "$work/other/ply/version.hpp"
cmake -S "$root/tests/package/plugin" -B "$work/other_plugin" -DCMAKE_PREFIX_PATH="$prefix" \
  -DPLY_PLUGIN_SOURCE="$root/examples/tutorial/hello_plugin.cpp" \
  "-DCMAKE_CXX_FLAGS=-I$work/other" "${launcher[@]}" >/dev/null
cmake --build "$work/other_plugin" >/dev/null
set +e
"$prefix/bin/plyd" --plugin-path "$work/other_plugin" hello --port tcp:0 2>"$work/other.log"
rc=$?
set -e
[[ $rc == 2 ]] || fail "plyd exit code $rc for a plugin of another version"
grep -q "was built against ply 9.9.9" "$work/other.log" || { cat "$work/other.log" >&2; fail "no clear message"; }
step "plyd: $(grep -o 'plugin library.*' "$work/other.log" | head -1)"
step "all good"
