#!/bin/sh
# interop.sh PEERS_DIR DERPCHECK [derpcheck run arguments...]
#
# ctest's entry to the interop matrix: runs `DERPCHECK run` with the
# upstream peers built in PEERS_DIR (by build.sh). Exits 77, ctest's
# SKIP_RETURN_CODE, with the reason when they cannot exist here (no Go
# toolchain, or one older than 1.24), so a machine without Go reports the
# interop tests as skipped, never as passed. Peers missing although Go is
# present is a failure: the build fixture (ctest interop.peers) failed.
set -u
[ $# -ge 2 ] || { echo "usage: interop.sh PEERS_DIR DERPCHECK [run args...]" >&2; exit 2; }
peers=$1 derpcheck=$2
shift 2

if ! ls "$peers"/tailscale@*/client >/dev/null 2>&1; then
  if ! command -v go >/dev/null 2>&1; then
    echo "interop: skipped: no Go toolchain (install Go >= 1.24 and re-run; ctest interop.peers builds the peers)"
    exit 77
  fi
  case $(go env GOVERSION 2>/dev/null | sed 's/^go//') in
    1.2[4-9]*|1.[3-9][0-9]*|[2-9]*) ;;
    *) echo "interop: skipped: Go older than 1.24"; exit 77 ;;
  esac
  echo "interop: no peers in $peers although Go is here: see ctest interop.peers (conformance/peers/build.sh --out $peers)" >&2
  exit 1
fi
exec "$derpcheck" run --peers-dir "$peers" "$@"
