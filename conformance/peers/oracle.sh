#!/usr/bin/env bash
# oracle.sh: run upstream's own code over the fuzz corpora and compare it
# with the C verdicts:
#  - pin: upstream's pin check (tlsdial.SetConfigExpectedCertHash of every
#    pinned tailscale.com version, through a real crypto/tls handshake) and
#    Go's crypto/x509.ParseCertificate over the certificate corpora, against
#    pin_verify per profile and the C model of x509.ParseCertificate;
#    disagreements are declared in conformance/expectations/oracle.json;
#  - json: derper's decoding of a client's ClientInfo and the client's of
#    the relay's ServerInfo (json.Unmarshal into derp.ClientInfo and
#    derp.ServerInfo, in every version with a json-oracle/) over
#    corpus/relay_client_info, against relay_client_info_decode and
#    derp_client_decode_server_info (verdict, error text, fields); and
#    tailscale's reading of a DERPMap (json.Unmarshal into tailcfg.DERPMap,
#    a lone region or node into DERPRegion/DERPNode) over corpus/derpmap's
#    JSON documents, against derp_map_parse (verdict and fields: its error
#    texts are its own); derper's reading of its -c key file and its
#    --mesh-psk-file over corpus/derp_keyfile, against derp-relay's; and
#    github.com/tailscale/hujson's Standardize over corpus/derpmap_policy
#    (tailnet policy files), against hujson_standardize + Go's syntax check;
#    derper's reading of its --rate-config file (derpserver.LoadRateConfig)
#    and of an -a address (net.SplitHostPort, the port as
#    net.Listen reads it) over corpus/relay_config, against derp-relay's;
#    declared in conformance/expectations/json-oracle.json.
# Stale declarations fail too.
#
# Why here and not in fuzz/: the Go side lives with the upstream peers
# (conformance/peers/tailscale/<version>/oracle, one module per version) and
# needs what they need (Go, the tailscale.com modules); fuzz/ only
# contributes the C side, fuzz/oracle_dump.
#
# Usage: conformance/peers/oracle.sh [options]
#   --corpus DIR     compare DIR instead of the standard corpora (repeatable;
#                    a new campaign's corpus). Its layout is its directory
#                    name (pin_verify, cert_fields, metacert,
#                    relay_client_info, derp_keyfile, derpmap, derpmap_policy,
#                    relay_config)
#                    unless --target comes before it
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
#   --only pin|json  run one of the two comparisons (default both)
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
only=""
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
    --only) [ $# -ge 2 ] || die "--only needs pin or json"; only=$2; shift 2
            case $only in pin|json) ;; *) die "--only: want pin or json, not '$only'" ;; esac ;;
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
expect_ci=$root/conformance/expectations/json-oracle.json
[ -f "$expect" ] || die "missing $expect"
[ -f "$expect_ci" ] || die "missing $expect_ci"

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
  [ "$only" != json ] || break
  if [ ! -x "$peers_dir/tailscale@$v/oracle" ]; then
    echo "oracle.sh: SKIP: no Go toolchain to build $peers_dir/tailscale@$v/oracle (and no prebuilt oracle)"
    exit 77
  fi
done

if [ "$only" != pin ] && ! command -v go >/dev/null 2>&1 &&
   ! ls "$peers_dir"/tailscale@*/json-oracle >/dev/null 2>&1; then
  echo "oracle.sh: SKIP: no Go toolchain to build a json-oracle (and no prebuilt one)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work}
mkdir -p "$out"

cd "$root"
if [ $custom = 0 ]; then
  case $only in
    pin) targets="pin_verify cert_fields metacert" ;;
    json) targets="relay_client_info derp_keyfile derpmap derpmap_policy relay_config" ;;
    *) targets="pin_verify cert_fields metacert relay_client_info derp_keyfile derpmap derpmap_policy relay_config" ;;
  esac
  corpus_args=()
  for t in $targets; do
    corpus_args+=(corpus/$t)
    [ -d corpus/regressions/$t ] && corpus_args+=(corpus/regressions/$t)
  done
  # The other targets' inputs carry no case either oracle reads.
  skipped=""
  for d in corpus/regressions/*/; do
    t=$(basename "$d")
    case $t in pin_verify|cert_fields|metacert|relay_client_info|derp_keyfile|derpmap|derpmap_policy|relay_config) ;; *)
      n=$(find "$d" -maxdepth 1 -type f ! -name '.*' | wc -l)
      [ "$n" -gt 0 ] && skipped+=" $t($n)" ;;
    esac
  done
  [ -z "$skipped" ] || echo "oracle.sh: regressions not compared (their layout holds no case for either oracle):$skipped"
fi

"$dump" --now "$now" "${corpus_args[@]}" > "$out/all.jsonl" || die "oracle_dump failed"
# Each oracle reads its own kind of line.
json_kinds='"kind":"(clientinfo|serverinfo|derpmap|keyfile|meshkey|hujson|rateconfig|hostport)"'
grep -Ev "$json_kinds" "$out/all.jsonl" > "$out/cases.jsonl" || true
grep -E "$json_kinds" "$out/all.jsonl" > "$out/json.jsonl" || true
inputs=$(wc -l < "$out/cases.jsonl")
ci_inputs=$(wc -l < "$out/json.jsonl")
echo "oracle.sh: $inputs certificate inputs (clock $now), $ci_inputs JSON readings, versions: $versions"

rc=0
summaries=()
for v in $versions; do
  [ "$inputs" -gt 0 ] && [ "$only" != json ] || break
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

# JSON: every version that has a json-oracle (upstream's decoding is
# json.Unmarshal into that version's derp.ClientInfo, derp.ServerInfo and
# tailcfg.DERPMap; derper's key files; tailscale's hujson).
ci_versions=0
for v in $versions; do
  [ "$ci_inputs" -gt 0 ] && [ "$only" != pin ] || break
  bin=$peers_dir/tailscale@$v/json-oracle
  [ -x "$bin" ] || continue
  ci_versions=$((ci_versions + 1))
  flags=(-cases "$out/json.jsonl" -expect "$expect_ci")
  [ $custom = 0 ] && flags+=(-full)
  set +e
  "$bin" "${flags[@]}" > "$out/json-report-$v.txt" 2>&1
  r=$?
  set -e
  awk '/^(UNDECLARED|STALE)/{p=1; print; next} /^(declared|jsonoracle)/{p=0} p' "$out/json-report-$v.txt"
  line=$(grep '^jsonoracle ' "$out/json-report-$v.txt" | tail -n1 || true)
  [ -n "$line" ] || { tail -n 20 "$out/json-report-$v.txt"; line="jsonoracle tailscale.com@$v: crashed (exit $r)"; }
  summaries+=("$line")
  [ $r = 0 ] || rc=1
done
if [ "$ci_inputs" -gt 0 ] && [ "$only" != pin ] && [ $ci_versions = 0 ]; then
  echo "oracle.sh: no conformance/peers/tailscale/<v>/json-oracle among: $versions"
  rc=1
fi
if [ ${#summaries[@]} = 0 ]; then
  echo "oracle.sh: nothing compared (no inputs of the layouts asked for)"
  rc=1
fi
printf '%s\n' "${summaries[@]}"
[ -z "$keep" ] || echo "oracle.sh: cases and reports in $keep"
if [ $rc = 0 ]; then
  echo "oracle.sh: PASS"
else
  echo "oracle.sh: FAIL (undeclared or stale; see above)"
fi
exit $rc
