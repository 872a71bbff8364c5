#!/usr/bin/env bash
# fuzz/fuzzing_mode_refused.sh SOURCE_DIR: fuzzing mode's stand-in crypto
# can never reach a non-fuzz build. Configures SOURCE_DIR twice without a
# fuzzing engine, once asking for DERP_FUZZING_MODE, once inheriting the
# definition through CMAKE_C_FLAGS (as $CFLAGS under OSS-Fuzz carry it), and
# checks that both configurations stop with the reason. (The other half,
# that the fuzz presets still configure with it, is every fuzz build.)
set -uo pipefail
src=${1:?usage: fuzzing_mode_refused.sh SOURCE_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzzing_mode.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
try() {
  local name=$1
  shift
  if cmake -S "$src" -B "$work/$name" "$@" >"$work/$name.log" 2>&1; then
    echo "FAIL: a build without a fuzzing engine configured with $*"
    status=1
  elif ! tr -s ' \n' '  ' <"$work/$name.log" | grep -q "unsafe for production: only a fuzz build"; then
    echo "FAIL: configuring with $* failed, but not for fuzzing mode:"
    tail -n 20 "$work/$name.log"
    status=1
  else
    echo "ok: refused $*"
  fi
}
try option -DDERP_FUZZING_MODE=ON
try cflags "-DCMAKE_C_FLAGS=-O1 -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
exit $status
