#!/usr/bin/env bash
# oracle.sh: run upstream's own pin check (tlsdial.SetConfigExpectedCertHash
# of every pinned tailscale.com version, through a real crypto/tls handshake)
# and Go's crypto/x509.ParseCertificate over the certificate fuzz corpora,
# and compare them with the C verdicts (pin_verify per profile, the C model
# of x509.ParseCertificate). Disagreements must be declared in
# conformance/expectations/oracle.json; stale declarations fail too.
#
# Why here and not in fuzz/: the Go side lives with the upstream peers
# (conformance/peers/tailscale/<version>/oracle, one module per version) and
# needs what they need (Go, the tailscale.com modules); fuzz/ only
# contributes the C side, fuzz/oracle_dump.
#
# Usage: conformance/peers/oracle.sh [options]
#   --corpus DIR     compare DIR instead of the standard corpora (repeatable;
#                    a new campaign's corpus). Its layout is its directory
#                    name (pin_verify, cert_fields, metacert) unless
#                    --target comes before it
#   --target T       layout of the --corpus directories after it
#   --now UNIX       clock of the inputs that carry none (default 1767225600,
#                    2026-01-01, the seed generator's clock); pin_verify
#                    inputs carry their own. Both sides use the same clock
#   --dump PATH      oracle_dump binary (default $DERP_BUILD_DIR/fuzz/oracle_dump,
#                    DERP_BUILD_DIR defaulting to build/default)
#   --peers-dir DIR  where oracle binaries live: DIR/tailscale@<v>/oracle
#                    (default $PEERS_DIR, else build/peers); with Go on
#                    PATH build.sh brings them up to date there first
#   --versions "..." only these versions (default: every
#                    conformance/peers/tailscale/<v>/oracle)
#   --keep DIR       keep the JSON cases and each version's report in DIR
# Exit: 0 all agree or are declared; 1 undeclared or stale; 2 usage or
# setup error; 77 skipped (no Go toolchain and no prebuilt oracles).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
now=1767225600
dump=""
peers_dir=${PEERS_DIR:-}
versions=""
keep=""
corpus_args=()
custom=0

die() { echo "oracle.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) [ $# -ge 2 ] || die "--corpus needs a directory"; corpus_args+=("$2"); custom=1; shift 2 ;;
    --target) [ $# -ge 2 ] || die "--target needs a layout"; corpus_args+=(--target "$2"); shift 2 ;;
    --now) [ $# -ge 2 ] || die "--now needs seconds"; now=$2; shift 2 ;;
    --dump) [ $# -ge 2 ] || die "--dump needs a path"; dump=$2; shift 2 ;;
    --peers-dir) [ $# -ge 2 ] || die "--peers-dir needs a directory"; peers_dir=$2; shift 2 ;;
    --versions) [ $# -ge 2 ] || die "--versions needs a list"; versions=$2; shift 2 ;;
    --keep) [ $# -ge 2 ] || die "--keep needs a directory"; keep=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
case $now in ''|*[!0-9-]*) die "--now wants Unix seconds" ;; esac

[ -n "$dump" ] || dump=${DERP_BUILD_DIR:-$root/build/default}/fuzz/oracle_dump
[ -x "$dump" ] || die "no oracle_dump at $dump (build the C side first: cmake --build build/default --target fuzz_oracle_dump)"
[ -n "$peers_dir" ] || peers_dir=$root/build/peers
mkdir -p "$peers_dir" && peers_dir=$(cd "$peers_dir" && pwd) || die "cannot use --peers-dir $peers_dir"
expect=$root/conformance/expectations/oracle.json
[ -f "$expect" ] || die "missing $expect"

if [ -z "$versions" ]; then
  for d in "$here"/tailscale/v*/oracle; do
    [ -d "$d" ] && versions+="$(basename "$(dirname "$d")") "
  done
fi
# Oldest first, so -x509 (version independent) runs once, with the newest.
versions=$(printf '%s\n' $versions | sort -V | tr '\n' ' ')
[ -n "${versions// /}" ] || die "no conformance/peers/tailscale/<v>/oracle found"
newest=$(printf '%s\n' $versions | tail -n1)

# With Go, bring the oracles up to date through build.sh (one build recipe;
# the build cache makes an unchanged one instant, and a stale binary would
# compare old code); without, use what build.sh left before, or skip.
if command -v go >/dev/null 2>&1; then
  "$here/build.sh" --out "$peers_dir" $versions >&2 || die "conformance/peers/build.sh failed (see above)"
fi
for v in $versions; do
  if [ ! -x "$peers_dir/tailscale@$v/oracle" ]; then
    echo "oracle.sh: SKIP: no Go toolchain to build $peers_dir/tailscale@$v/oracle (and no prebuilt oracle)"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work}
mkdir -p "$out"

cd "$root"
if [ $custom = 0 ]; then
  corpus_args=(corpus/pin_verify corpus/cert_fields corpus/metacert)
  for t in pin_verify cert_fields metacert; do
    [ -d corpus/regressions/$t ] && corpus_args+=(corpus/regressions/$t)
  done
  # The other targets' inputs carry no (certificates, pin, name) case.
  skipped=""
  for d in corpus/regressions/*/; do
    t=$(basename "$d")
    case $t in pin_verify|cert_fields|metacert) ;; *)
      n=$(find "$d" -maxdepth 1 -type f ! -name '.*' | wc -l)
      [ "$n" -gt 0 ] && skipped+=" $t($n)" ;;
    esac
  done
  [ -z "$skipped" ] || echo "oracle.sh: regressions not compared (layout has no pin case):$skipped"
fi

"$dump" --now "$now" "${corpus_args[@]}" > "$out/cases.jsonl" || die "oracle_dump failed"
inputs=$(wc -l < "$out/cases.jsonl")
echo "oracle.sh: $inputs inputs, clock $now, versions: $versions"

rc=0
summaries=()
for v in $versions; do
  flags=(-cases "$out/cases.jsonl" -expect "$expect")
  [ "$v" = "$newest" ] && flags+=(-x509)
  [ $custom = 0 ] && flags+=(-full)
  set +e
  "$peers_dir/tailscale@$v/oracle" "${flags[@]}" > "$out/report-$v.txt" 2>&1
  r=$?
  set -e
  # Undeclared and stale findings in full; declared ones are in the report.
  awk '/^(UNDECLARED|STALE)/{p=1; print; next} /^(declared|pinoracle)/{p=0} p' "$out/report-$v.txt"
  line=$(grep '^pinoracle ' "$out/report-$v.txt" | tail -n1 || true)
  [ -n "$line" ] || { tail -n 20 "$out/report-$v.txt"; line="pinoracle tailscale.com@$v: crashed (exit $r)"; }
  summaries+=("$line")
  [ $r = 0 ] || rc=1
done
printf '%s\n' "${summaries[@]}"
[ -z "$keep" ] || echo "oracle.sh: cases and reports in $keep"
if [ $rc = 0 ]; then
  echo "oracle.sh: PASS"
else
  echo "oracle.sh: FAIL (undeclared or stale; see above)"
fi
exit $rc
