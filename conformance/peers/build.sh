#!/bin/sh
# Builds the upstream peers: for each tailscale.com version under
# tailscale/<version>/, into OUT/tailscale@<version>/:
#   client  upstream derphttp client behind the client contract
#   relay   readiness wrapper that runs the derper beside it
#   derper  upstream cmd/derper of that version
#   and every other main package of the version module (oracle/, ...)
#
# usage: build.sh [--out DIR | DIR] [VERSION...]    (default OUT: build/peers
# at the repository root; default versions: all)
#
# Idempotent and quick when nothing changed: go's module and build caches do
# the work and an up-to-date binary is not relinked. Exits 77 (ctest's
# SKIP_RETURN_CODE) when go is missing or older than 1.24 (the go.mod `tool`
# directive), 1 when a version failed, 2 on a usage error.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/build/peers
versions=

while [ $# -gt 0 ]; do
  case $1 in
    --out) [ $# -ge 2 ] || { echo "build.sh: --out needs a directory" >&2; exit 2; }
           out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    v[0-9]*) [ -d "$here/tailscale/$1" ] || { echo "build.sh: no version $1 under $here/tailscale" >&2; exit 2; }
             versions="$versions $1" ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) out=$1 ;;
  esac
  shift
done
[ -n "$versions" ] || versions=$(cd "$here/tailscale" && ls -d v[0-9]* | sort -V)

if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: skipped: go not found in PATH"; exit 77
fi
have=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
case $have in
  1.2[4-9]*|1.[3-9][0-9]*|[2-9]*) ;;
  *) echo "build.sh: skipped: go ${have:-?} is older than 1.24"; exit 77 ;;
esac

# No toolchain downloads behind the user's back: a version whose go.mod
# wants a newer go fails with go's own message instead.
export GOTOOLCHAIN=local
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)

stamp() { for f in "$@"; do [ -e "$f" ] && md5sum "$f"; done; }

rc=0
for v in $versions; do
  dir=$here/tailscale/$v
  dst=$out/tailscale@$v
  mkdir -p "$dst"
  pkgs="tailscale.com/cmd/derper derpcheck.local/peers/shared/cmd/relay"
  bins="derper relay"
  # Every main package of the version module (client, and whatever other
  # per-version programs live beside it, e.g. oracle/).
  for m in "$dir"/*/; do
    m=$(basename "$m")
    [ "$m" = debugderp ] && continue # built below, with its own tags
    [ "$m" = client ] && continue    # likewise
    if grep -qs '^package main$' "$dir/$m"/*.go; then
      pkgs="$pkgs ./$m"; bins="$bins $m"
    fi
  done
  # debugderp embeds a whole tsnet node; these tags drop the two parts of it
  # that reach for the internet (netcheck's captive-portal probe of
  # controlplane.tailscale.com, UPnP/NAT-PMP), which have no runtime switch.
  # debugderp.go's own port-80 check of the node is not affected.
  ddp_tags=ts_omit_captiveportal,ts_omit_portmapper
  # The client with derphttp's WebSocket dialer compiled in (upstream builds
  # it only for js or with this tag); it is used only when the peer is run
  # with --websocket (TS_DEBUG_DERP_WS_CLIENT), so nothing else changes.
  client_tags=ts_debug_websockets
  bins="$bins client"
  [ -f "$dir/debugderp/main.go" ] && bins="$bins debugderp"
  before=$(cd "$dst" && stamp $bins)
  start=$(date +%s)
  log=$dst/build.log
  # -o DIR/ writes each main package as DIR/<last path element>.
  if (cd "$dir" && go build -o "$dst/" $pkgs && go build -tags "$client_tags" -o "$dst/" ./client &&
      { [ ! -f debugderp/main.go ] || go build -tags "$ddp_tags" -o "$dst/" ./debugderp; }) >"$log" 2>&1; then
    after=$(cd "$dst" && stamp $bins)
    secs=$(( $(date +%s) - start ))
    if [ "$before" = "$after" ]; then
      echo "tailscale@$v: up to date"
    else
      echo "tailscale@$v: built in ${secs}s ($bins)"
    fi
  else
    why=$(grep -v '^go: downloading' "$log" | head -n 1)
    echo "tailscale@$v: failed: ${why:-go build failed} (full log: $log)"
    rc=1
  fi
done
exit $rc
