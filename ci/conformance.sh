#!/usr/bin/env bash
# Set up, build, run the conformance suite and print the matrix: the
# reference relay and client profiles, and — when Go >= 1.24 is here — the
# real upstream clients (tailscale@<version>, upstream debug derp) as
# columns beside them, then upstream's derper (oldest and newest) as the
# relay. Writes build/default/derpcheck-report.html (open it from disk) and
# .json beside it, and prints the page's path last. Extra arguments go to
# `derpcheck run`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --preset default
b=build/default
html="$PWD/$b/derpcheck-report.html"
run=("$b/conformance/derpcheck" run --jobs "$(nproc)" --html "$html" --json "$b/derpcheck-report.json")
st=0
conformance/peers/build.sh --out "$b/peers" || st=$?
rc=0
case $st in
  0) "${run[@]}" --peers-dir "$b/peers" \
       --profile tailscale-1.80,tailscale-1.82,tailscale-1.84,current,debug-legacy,relay \
       --client tailscale,tailscale-debug-derp \
       --relay reference --relay derper@v1.80.3 --relay derper@v1.102.5 "$@" || rc=$? ;;
  77) echo "conformance.sh: no upstream peers without Go >= 1.24; the reference implementations only" >&2
      "${run[@]}" "$@" || rc=$? ;;
  *) echo "conformance.sh: building the upstream peers failed (see above)" >&2; exit "$st" ;;
esac
[ -f "$html" ] && echo "report: $html"
exit "$rc"
