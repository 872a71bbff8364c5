#!/bin/sh
# openssl-relay.sh: `openssl s_server` behind the derpcheck relay contract,
# for the TLS-layer scenarios (layer "tls"). It serves the certificate chain
# a DERP relay would serve -- the certdir chain file, plus the metacert when
# {metacert} is on -- and nothing of DERP itself, so it checks the clients
# and the runner against an implementation that shares no code with ours.
#
# usage: openssl-relay.sh --listen ADDR:PORT --cert CHAIN.pem --key KEY.pem
#          --metacert on|off --metacert-file META.pem --tls-min 1.2|1.3
#          --tls-max 1.2|1.3 --ready-file PATH --tmpdir DIR
# Readiness: s_server prints "ACCEPT host:port" once listening; a reader on a
# FIFO turns that line into the ready file (written to a temp name, then
# renamed). The script then execs s_server, so the PID the runner stops is
# the server's own.
set -eu

listen='' cert='' key='' metacert=off metacert_file='' tls_min=1.2 tls_max=1.3
ready='' tmpdir=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "openssl-relay.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --listen) listen=$2 ;;
    --cert) cert=$2 ;;
    --key) key=$2 ;;
    --metacert) metacert=$2 ;;
    --metacert-file) metacert_file=$2 ;;
    --tls-min) tls_min=$2 ;;
    --tls-max) tls_max=$2 ;;
    --ready-file) ready=$2 ;;
    --tmpdir) tmpdir=$2 ;;
    *) echo "openssl-relay.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
for v in listen cert key ready tmpdir; do
  eval "[ -n \"\$$v\" ]" || { echo "openssl-relay.sh: --$v is required" >&2; exit 2; }
done

# s_server takes the leaf (-cert) and the rest of the chain (-cert_chain)
# separately; the chain is sent as given, never rebuilt.
leaf=$tmpdir/openssl-relay-leaf.pem
rest=$tmpdir/openssl-relay-rest.pem
: > "$rest"
awk -v leaf="$leaf" -v rest="$rest" '
  /-----BEGIN CERTIFICATE-----/ { n++ }
  n == 1 { print > leaf }
  n > 1 { print > rest }' "$cert"
if [ "$metacert" = on ]; then
  [ -n "$metacert_file" ] || { echo "openssl-relay.sh: --metacert on needs --metacert-file" >&2; exit 2; }
  cat "$metacert_file" >> "$rest"
fi
set -- -cert "$leaf" -key "$key"
[ -s "$rest" ] && set -- "$@" -cert_chain "$rest"

fifo=$tmpdir/openssl-relay.fifo
rm -f "$fifo"
mkfifo "$fifo"
(
  while IFS= read -r line; do
    case $line in
      "ACCEPT "*)
        printf '%s\n' "${line#ACCEPT }" > "$ready.tmp" && mv "$ready.tmp" "$ready" ;;
    esac
  done < "$fifo"
) &
exec openssl s_server -accept "$listen" "$@" \
  -min_protocol "TLSv$tls_min" -max_protocol "TLSv$tls_max" \
  -www -num_tickets 0 > "$fifo"
