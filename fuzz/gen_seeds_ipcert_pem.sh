#!/bin/sh
# Writes the seeds of the ipcert_pem fuzz target into corpus/ipcert_pem/:
# builds fuzz/gen_seeds_ipcert_pem.c against the harness certificate factory
# of a configured build directory (default build/default; needs the
# harness_certs target built) and runs it. Deterministic (fixed seed and
# clock).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/default}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -O1 -I"$root/harness/include" -I"$root/reference/include" "$root/fuzz/gen_seeds_ipcert_pem.c" \
  "$build/harness/libharness_certs.a" -lcrypto -o "$work/gen"
mkdir -p "$root/corpus/ipcert_pem"
"$work/gen" "$root/corpus/ipcert_pem" "$work/pem"
