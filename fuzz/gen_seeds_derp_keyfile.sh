#!/bin/sh
# Writes the hand-made seeds of the derp_keyfile fuzz target into
# corpus/derp_keyfile/ (deterministic; rerun after editing the list).
set -eu
out="$(cd "$(dirname "$0")/.." && pwd)/corpus/derp_keyfile"
mkdir -p "$out"
k=8f0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40
seed() { printf '%s' "$2" >"$out/$1"; }
# What derp_keyfile_format writes (Go's json.MarshalIndent with a tab).
seed go_layout "$(printf '{\n\t"PrivateKey": "privkey:%s"\n}' "$k")"
seed compact '{"PrivateKey":"privkey:'$k'"}'
seed lower_field '{"privatekey":"privkey:'$k'"}'
seed upper_hex '{"PrivateKey":"privkey:8F0C3A1E5D7B9F2C4E6A8B0D1F3E5C7A9B1D3F5E7C9A0B2D4F6E8A1C3E5B7D40"}'
seed extra_fields '{"Other":[1,{"a":null}],"PrivateKey":"privkey:'$k'","x":true}'
seed nodekey_prefix '{"PrivateKey":"nodekey:'$k'"}'
seed upper_prefix '{"PrivateKey":"PRIVKEY:'$k'"}'
seed short_hex '{"PrivateKey":"privkey:8f0c"}'
seed long_hex '{"PrivateKey":"privkey:'$k'00"}'
seed nonhex '{"PrivateKey":"privkey:zf0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40"}'
seed null_value '{"PrivateKey":null}'
seed number_value '{"PrivateKey":1}'
seed missing '{}'
seed duplicate '{"PrivateKey":"privkey:'$k'","privateKey":"privkey:'$k'"}'
seed array '["privkey:'$k'"]'
seed empty ''
seed truncated '{"PrivateKey":"privkey:'$k
seed escaped '{"PrivateKey":"privkey:\u0038f0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40"}'
seed long_s_field '{"Private\u212aey":"privkey:'$k'"}'
seed zero_key '{"PrivateKey":"privkey:0000000000000000000000000000000000000000000000000000000000000000"}'
seed trailing_garbage '{"PrivateKey":"privkey:'$k'"} x'
