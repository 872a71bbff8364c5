#!/usr/bin/env bash
# Set up, build, run the conformance suite and print the matrix: the
# reference relay and client profiles, and — when Go >= 1.24 is here — the
# real upstream clients (tailscale@<version>, upstream debug derp) as
# columns beside them, then upstream's derper (oldest and newest) as the
# relay. Extra arguments go to every `derpcheck run`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --preset default
b=build/default
run=("$b/conformance/derpcheck" run --jobs "$(nproc)")
st=0
conformance/peers/build.sh --out "$b/peers" || st=$?
case $st in
  0) exec "${run[@]}" --peers-dir "$b/peers" \
       --profile tailscale-1.80,tailscale-1.82,tailscale-1.84,current,debug-legacy,relay \
       --client tailscale,tailscale-debug-derp \
       --relay reference --relay derper@v1.80.3 --relay derper@v1.102.5 "$@" ;;
  77) echo "conformance.sh: no upstream peers without Go >= 1.24; the reference implementations only" >&2
      exec "${run[@]}" "$@" ;;
  *) echo "conformance.sh: building the upstream peers failed (see above)" >&2; exit "$st" ;;
esac
