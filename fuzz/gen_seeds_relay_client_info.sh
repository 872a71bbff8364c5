#!/bin/sh
# Writes the hand-made seeds of the relay_client_info fuzz target into
# corpus/relay_client_info/ (deterministic; rerun after editing the list).
set -eu
out="$(cd "$(dirname "$0")/.." && pwd)/corpus/relay_client_info"
mkdir -p "$out"
k=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
seed() { printf '%s' "$2" >"$out/$1"; }
seed version '{"version":2}'
seed full '{"version":2,"meshKey":"'$k'","CanAckPings":true,"IsProber":false,"AppName":"derpcheck"}'
seed mesh_upper '{"MESHKEY":"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"}'
seed mesh_short '{"meshKey":"0123"}'
seed mesh_nonhex '{"meshKey":"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}'
seed mesh_number '{"meshKey":12}'
seed mesh_null '{"meshKey":null,"version":null}'
seed long_s '{"ver\u017fion":3}'
seed kelvin '{"\u212aey":1,"canackpings":true}'
seed version_string '{"version":"2"}'
seed version_float '{"version":1.5}'
seed version_big '{"version":99999999999999999999}'
seed prober '{"isprober":true,"IsProber":false}'
seed array '[1,2,3]'
seed string '"x"'
seed empty ''
seed truncated '{"version":'
seed nested '{"AppName":{"a":[{"b":null}]},"version":-1}'
seed dup '{"version":1,"version":2}'
seed bool_type '{"CanAckPings":"yes"}'
seed nul_in_string '{"AppName":"a\u0000b"}'
seed escaped_key '{"meshKey":"\u0030123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}'
seed whitespace ' { "version" : 0 } '
seed bad_utf8 "$(printf '{"AppName":"\377"}')"
