#!/bin/sh
# Records the seeds of the tls_client_handshake fuzz target into
# corpus/tls_client_handshake/: builds fuzz/gen_seeds_tls_client_handshake.c
# against a configured build directory (default build/default; needs
# harness_certs, derp_metacert, derp_pin_verify, derp_tls_certmsg built) and
# runs it. The client side is deterministic; the server's randomness is not,
# so a rerun gives other bytes that replay just as well.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/default}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
r="$build/reference"
cc -O1 -I"$root/harness/include" -I"$root/reference/include" -I"$root/fuzz" \
  "$root/fuzz/gen_seeds_tls_client_handshake.c" "$r/libderp_metacert.a" "$r/libderp_pin_verify.a" \
  "$r/libderp_tls_certmsg.a" "$r/libderp_cert_fields.a" "$r/libderp_keys.a" "$r/libderp_byte_cursor.a" \
  "$build/harness/libharness_certs.a" -lssl -lcrypto -lsodium -ljansson -o "$work/gen"
mkdir -p "$root/corpus/tls_client_handshake"
"$work/gen" "$root/corpus/tls_client_handshake"
# Near misses: flights cut short and an empty stream.
c="$root/corpus/tls_client_handshake"
head -c 300 "$c/tls13_leaf" >"$c/tls13_leaf_cut"
head -c 400 "$c/tls12_leaf" >"$c/tls12_leaf_cut"
: >"$c/empty"
