#!/bin/sh
# openssl-client.sh: `openssl s_client -showcerts` behind the derpcheck client
# contract, applying the current pin check (spec §4.2c) from the outside:
# it takes the certificates the server presented, skips those whose CN
# starts with "derpkey", requires exactly one other, compares the lowercase
# hex SHA-256 of its DER with the pin byte for byte, checks the name only
# when HostName is a DNS name, then the validity window. A non-hash
# CertName is verified against --ca-file for that name (§4.3). An
# independent peer: no code shared with the reference client.
#
# usage: openssl-client.sh --mode connect --profile current --dial HOST:PORT
#          --hostname NAME --certname CERTNAME [--ca-file FILE]
# Contract: exit 0 pass, 1 fail, 2 usage; last stdout line is the JSON
# verdict. Only mode "connect" and profile "current" are implemented (TLS
# layer): anything else exits 2. "path" is null: there is no DERP here.
set -u

mode=connect profile=current dial='' hostname='' certname='' ca_file=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "openssl-client.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --mode) mode=$2 ;;
    --profile) profile=$2 ;;
    --dial) dial=$2 ;;
    --hostname) hostname=$2 ;;
    --certname) certname=$2 ;;
    --ca-file) ca_file=$2 ;;
    *) echo "openssl-client.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

json_str() { # a JSON string literal (or null when empty)
  if [ -z "$1" ]; then printf 'null'; return; fi
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}
tls_version='' ncerts=0
verdict() { # verdict pass|fail REASON
  printf '{"result":"%s","reason":%s,"path":null,"tls_version":%s,"server_key":null,"certs":%s}\n' \
    "$1" "$(json_str "$2")" "$(json_str "$tls_version")" "$ncerts"
  rm -rf "$work"
  [ "$1" = pass ] && exit 0
  exit 1
}
usage_error() {
  printf '{"result":"fail","reason":%s,"path":null,"tls_version":null,"server_key":null,"certs":null}\n' "$(json_str "$1")"
  exit 2
}
[ "$mode" = connect ] || usage_error "openssl-client.sh implements mode connect only, not $mode"
[ "$profile" = current ] || usage_error "openssl-client.sh implements profile current only, not $profile"
if [ -z "$dial" ] || [ -z "$hostname" ]; then usage_error "--dial and --hostname are required"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/openssl-client.XXXXXX") || exit 2

is_ip=no
case $hostname in
  *:*) is_ip=yes ;;
  *[!0-9.]*) ;;
  *.*.*.*) is_ip=yes ;;
esac
# Go sends no SNI for an IP literal, and HostName otherwise.
if [ $is_ip = yes ]; then set -- -noservername; else set -- -servername "$hostname"; fi

if ! openssl s_client -connect "$dial" -showcerts "$@" \
    < /dev/null > "$work/out" 2> "$work/err"; then
  verdict fail "tls: $(grep -m1 -E 'error|errno|refused' "$work/err" || echo handshake failed)"
fi
tls_version=$(sed -n 's/^New, \(TLSv[0-9.]*\), Cipher is.*/\1/p' "$work/out" | head -n1)
awk -v dir="$work" '
  /-----BEGIN CERTIFICATE-----/ { n++; f = dir "/cert." n ".pem" }
  f != "" { print > f }
  /-----END CERTIFICATE-----/ { f = "" }' "$work/out"
ncerts=$(find "$work" -name 'cert.*.pem' | wc -l)

go_time() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S +0000 UTC'; }
# One openssl run per certificate (each costs tens of ms): subject CN,
# validity and the SHA-256 of the DER as received.
cert_info() {
  openssl x509 -in "$1" -noout -subject -nameopt multiline -startdate \
    -enddate -fingerprint -sha256 > "$1.info"
  cn=$(sed -n 's/^ *commonName *= //p' "$1.info" | tail -n1)
  hash=$(sed -n 's/^sha256 Fingerprint=//Ip' "$1.info" | tr -d : | tr 'A-F' 'a-f')
  nb=$(date -u -d "$(sed -n 's/^notBefore=//p' "$1.info")" +%s)
  na=$(date -u -d "$(sed -n 's/^notAfter=//p' "$1.info")" +%s)
}
common_name() { cert_info "$1"; echo "$cn"; }
# Go's x509.HostnameError text for a DNS name (what the name check prints).
hostname_error() {
  sans=$(openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2)
  dns=$(printf '%s' "$sans" | tr ',' '\n' | sed -n 's/^ *DNS://p' | paste -sd, - | sed 's/,/, /g')
  if [ -z "$sans" ] && [ "$(common_name "$1")" = "$2" ]; then
    echo "x509: certificate relies on legacy Common Name field, use SANs instead"
  elif [ -z "$dns" ]; then
    echo "x509: certificate is not valid for any names, but wanted to match $2"
  else
    echo "x509: certificate is valid for $dns, not $2"
  fi
}

case $certname in
  sha256-raw:*)
    want=${certname#sha256-raw:}
    good='' i=0
    while [ -f "$work/cert.$((i + 1)).pem" ]; do
      i=$((i + 1))
      c=$work/cert.$i.pem
      cert_info "$c"
      case $cn in derpkey*) continue ;; esac
      [ -z "$good" ] || verdict fail "unexpected multiple certs presented"
      [ "$hash" = "$want" ] || verdict fail "cert hash does not match expected cert hash"
      if [ $is_ip = no ] && ! openssl x509 -in "$c" -noout -checkhost "$hostname" | grep -q ' does match'; then
        verdict fail "cert does not match server name \"$hostname\": $(hostname_error "$c" "$hostname")"
      fi
      now=$(date +%s)
      [ "$now" -le "$na" ] || verdict fail "cert expired $(go_time "$na")"
      [ "$now" -ge "$nb" ] || verdict fail "cert not yet valid until $(go_time "$nb"); is your clock correct?"
      good=yes
    done
    [ -n "$good" ] || verdict fail "expected cert not presented"
    verdict pass ""
    ;;
  *)
    name=${certname:-$hostname}
    leaf=$work/cert.1.pem
    [ -f "$leaf" ] || verdict fail "no certs presented"
    : > "$work/untrusted.pem"
    i=2
    while [ -f "$work/cert.$i.pem" ]; do cat "$work/cert.$i.pem" >> "$work/untrusted.pem"; i=$((i + 1)); done
    set -- -untrusted "$work/untrusted.pem"
    [ -s "$work/untrusted.pem" ] || set --
    if [ -n "$ca_file" ]; then set -- "$@" -CAfile "$ca_file"; fi
    if [ $is_ip = yes ] && [ -z "$certname" ]; then set -- "$@" -verify_ip "$name"
    else set -- "$@" -verify_hostname "$name"; fi
    if openssl verify "$@" "$leaf" > "$work/verify" 2>&1; then verdict pass ""; fi
    if grep -q 'unable to get local issuer\|self-signed' "$work/verify"; then
      verdict fail "x509: certificate signed by unknown authority"
    elif grep -q 'hostname mismatch\|IP address mismatch' "$work/verify"; then
      verdict fail "x509: $(hostname_error "$leaf" "$name")"
    fi
    verdict fail "x509: $(grep -m1 'error' "$work/verify")"
    ;;
esac
