#!/usr/bin/env bash
# make.sh: CA-issued chains made with OpenSSL's own tools (`openssl req` for
# the requests, `openssl ca` with extensions.cnf as -extfile to issue), a
# second encoder beside the harness factory's web chains
# (harness/src/cert_factory_web.c). Two chains, root -> intermediate -> leaf:
#
#   openssl-rsa-*    RSA-2048, sha256WithRSAEncryption, PrintableString
#                    names with `Z` and `/` (string_mask default), the leaf's
#                    authorityKeyIdentifier with issuer name and serial too
#   openssl-ecdsa-*  P-384 root and intermediate, P-256 leaf, ecdsa-with-SHA384,
#                    UTF8String names (string_mask utf8only, OpenSSL's default;
#                    countryName stays PrintableString)
#
# Leaves: SKI, AKI, keyUsage, EKU serverAuth+clientAuth, AIA OCSP+caIssuers,
# SANs DNS + IP + URI, certificatePolicies 2.23.140.1.2.1, CRL DP and an SCT
# list of two v1 SCTs (log IDs are SHA-256 of a name, signatures real ECDSA
# signatures by a throw-away key: well-formed, not verifiable).
#
# Fixed validity, so the corpus clock (2026-01-01, fuzz/gen_corpus.h)
# falls inside every certificate: leaf 2025-12-15 .. 2026-03-15, intermediate
# 2025-01-01 .. 2028-01-01, root 2020-01-01 .. 2045-01-01.
#
# Output: openssl-<rsa|ecdsa>-<root|intermediate|leaf>.der here. OpenSSL draws
# keys, serials and ECDSA nonces from its own RNG, so a rerun makes other
# bytes: the files are committed, and fuzz/gen_corpus.sh and
# check_pin_verify_chains read them (regenerate corpus/ after a rerun). Keys
# are not kept.
#
# Usage: fuzz/testdata/openssl-chains/make.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
export WORK
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

hex() { od -An -v -tx1 | tr -d ' \n'; }
hex_len() { printf '%04x' $((${#1} / 2)); } # a TLS u16 length of a hex string

# --- the SCT list (RFC 6962 §3.3), one ECDSA log key signing both ---
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out log.key 2>/dev/null
sct() { # log name, timestamp in ms
  local log_id ts sig body
  log_id=$(printf '%s' "$1" | openssl dgst -sha256 -binary | hex)
  ts=$(printf '%016x' "$2")
  sig=$(printf '%s%s' "$log_id" "$ts" | openssl dgst -sha256 -sign log.key | hex)
  body="00${log_id}${ts}0000""0403$(hex_len "$sig")${sig}"
  printf '%s%s' "$(hex_len "$body")" "$body"
}
# Leaf notBefore 2025-12-15T00:00:00Z; the SCTs an hour later.
scts="$(sct 'derpcheck ct log A' 1765760400123)$(sct 'derpcheck ct log B' 1765760400456)"
SCT_LIST_HEX="$(hex_len "$scts")${scts}"
export SCT_LIST_HEX

# --- a minimal `openssl ca` ---
cat > ca.cnf <<'EOF'
[ca]
default_ca = ca_default
[ca_default]
dir = $ENV::WORK
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
unique_subject = no
policy = policy_any
preserve = yes
email_in_dn = no
copy_extensions = none
[policy_any]
countryName = optional
stateOrProvinceName = optional
organizationName = optional
commonName = supplied
EOF
mkdir issued
: > index.txt
echo 01 > serial # required by the config; -rand_serial picks the serials

request() { # name, key algorithm options, string mask, DN lines...
  local name=$1 mask=$3
  local -a keyopts
  read -r -a keyopts <<< "$2"
  shift 3
  openssl genpkey "${keyopts[@]}" -out "$name.key" 2>/dev/null
  { printf '[req]\nprompt = no\ndistinguished_name = dn\nstring_mask = %s\nutf8 = yes\n[dn]\n' "$mask"
    printf '%s\n' "$@"; } > "$name-req.cnf"
  openssl req -new -config "$name-req.cnf" -key "$name.key" -out "$name.csr"
}

issue() { # name, issuer name ("" = self), extension section, md, start, end
  local name=$1 issuer=$2 section=$3 md=$4 start=$5 end=$6
  local -a signer
  if [ -z "$issuer" ]; then
    signer=(-selfsign -keyfile "$name.key")
  else
    signer=(-cert "$issuer.pem" -keyfile "$issuer.key")
  fi
  openssl ca -batch -notext -config ca.cnf -rand_serial -md "$md" "${signer[@]}" \
    -extfile "$here/extensions.cnf" -extensions "$section" \
    -startdate "$start" -enddate "$end" -in "$name.csr" -out "$name.pem" 2>"$name.log" ||
    { cat "$name.log" >&2; exit 1; }
  openssl x509 -in "$name.pem" -outform DER -out "$here/openssl-$name.der"
}

chain() { # family, root key, leaf key, string mask, md, leaf section, R|E
  local fam=$1 ca_key=$2 leaf_key=$3 mask=$4 md=$5 leaf_ext=$6 tag=$7
  request "$fam-root" "$ca_key" "$mask" "C = US" "O = Derpcheck Test PKI Z/1" \
    "CN = OpenSSL Root ${tag}1"
  issue "$fam-root" "" root "$md" 20200101000000Z 20450101000000Z
  request "$fam-intermediate" "$ca_key" "$mask" "C = US" "O = Derpcheck Test PKI Z/1" \
    "CN = OpenSSL Issuing CA ${tag}2"
  issue "$fam-intermediate" "$fam-root" intermediate "$md" 20250101000000Z 20280101000000Z
  request "$fam-leaf" "$leaf_key" "$mask" "C = CH" "ST = Zurich" \
    "O = Derpcheck Relays/Zone Z" "CN = derp.test"
  issue "$fam-leaf" "$fam-intermediate" "$leaf_ext" "$md" 20251215000000Z 20260315000000Z
}

chain rsa "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" \
  "-algorithm RSA -pkeyopt rsa_keygen_bits:2048" default sha256 leaf_rsa R
chain ecdsa "-algorithm EC -pkeyopt ec_paramgen_curve:P-384" \
  "-algorithm EC -pkeyopt ec_paramgen_curve:P-256" utf8only sha384 leaf_ecdsa E

for f in rsa ecdsa; do
  openssl verify -attime 1767229200 -purpose sslserver -x509_strict \
    -CAfile "$f-root.pem" -untrusted "$f-intermediate.pem" "$f-leaf.pem" >/dev/null
done
ls "$here"/openssl-*.der
