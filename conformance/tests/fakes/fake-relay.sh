#!/bin/sh
# fake-relay.sh: relays that misbehave in one specific way, for the runner's
# own tests. usage: fake-relay.sh MODE READY_FILE
#   exit-early   print to stderr and exit 3 before being ready
#   never-ready  run without ever writing the ready file
#   bad-ready    write a ready file that is not host:port
#   dies         become ready (a closed port), then exit at once
set -eu
mode=$1 ready=$2
case $mode in
  exit-early) echo "fake-relay: cannot load x509 key pair" >&2; exit 3 ;;
  never-ready) exec sleep 30 ;;
  bad-ready) printf 'listening\n' > "$ready.tmp"; mv "$ready.tmp" "$ready"; exec sleep 30 ;;
  dies) printf '127.0.0.1:9\n' > "$ready.tmp"; mv "$ready.tmp" "$ready"; echo "fake-relay: panic" >&2; exit 1 ;;
  *) echo "fake-relay.sh: unknown mode $mode" >&2; exit 2 ;;
esac
