#!/bin/sh
# fake-relay.sh: relays that misbehave in one specific way, for the runner's
# own tests. usage: fake-relay.sh MODE READY_FILE
#   exit-early   print to stderr and exit 3 before being ready
#   never-ready  run without ever writing the ready file
#   bad-ready    write a ready file that is not host:port
#   dies         become ready (a closed port), then exit at once
#   port-lost STATE N RELAY...
#                the first N starts exit as a relay whose picked port another
#                process took (Go's "bind: address already in use"), each
#                adding a line to STATE; later starts exec RELAY...
set -eu
mode=$1 ready=$2
case $mode in
  exit-early) echo "fake-relay: cannot load x509 key pair" >&2; exit 3 ;;
  never-ready) exec sleep 30 ;;
  bad-ready) printf 'listening\n' > "$ready.tmp"; mv "$ready.tmp" "$ready"; exec sleep 30 ;;
  dies) printf '127.0.0.1:9\n' > "$ready.tmp"; mv "$ready.tmp" "$ready"; echo "fake-relay: panic" >&2; exit 1 ;;
  port-lost)
    state=$3 lost=$4
    shift 4
    starts=0
    [ -f "$state" ] && starts=$(wc -l < "$state")
    echo start >> "$state"
    if [ "$starts" -lt "$lost" ]; then
      echo "fake-relay: listen udp 127.0.0.1:3478: bind: address already in use" >&2
      exit 1
    fi
    exec "$@" ;;
  *) echo "fake-relay.sh: unknown mode $mode" >&2; exit 2 ;;
esac
