#!/bin/sh
# fake-peer-relay.sh: a registry relay peer for the runner's own tests,
# installed by selftest.sh as <peers dir>/<name>@<version>/relay (a
# symlink): the registry relay command line (derper's flags, no harness
# knobs) in front of the openssl s_server adapter, serving the certdir's
# chain without a metacert.
set -eu
here=$(dirname "$(readlink -f "$0")")
listen='' hostname='' certdir='' ready=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "fake-peer-relay.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    -a) listen=$2 ;;
    --hostname) hostname=$2 ;;
    --certdir) certdir=$2 ;;
    --ready-file) ready=$2 ;;
    --certmode|-c|--stun-port) ;;
    *) echo "fake-peer-relay.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
name=$(printf '%s' "$hostname" | tr -cd 'A-Za-z0-9.-')
exec "$here/../../adapters/openssl-relay.sh" --listen "$listen" \
  --cert "$certdir/$name.crt" --key "$certdir/$name.key" --metacert off \
  --ready-file "$ready" --tmpdir "$certdir"
