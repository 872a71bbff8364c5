#!/bin/sh
# selftest.sh: the runner's own rules, one case per ctest entry, against
# scripted clients and misbehaving relays (fakes/). The relay that behaves is
# the openssl s_server adapter.
# usage: selftest.sh CASE PATH/TO/derpcheck
set -u
case=$1 derpcheck=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/derpcheck-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT

relay_ok="$here/../adapters/openssl-relay.sh --listen {listen} --cert {certfile} --key {certkey} --metacert {metacert} --metacert-file {metacert_file} --tls-min {tls_min} --tls-max {tls_max} --ready-file {ready_file} --tmpdir {tmpdir}"
client="$here/fakes/fake-client.sh --answers $work/answers --profile {profile} --mode {mode}"
MULTI='{"result":"fail","reason":"unexpected multiple certs presented","path":null}'
FAST='{"result":"pass","reason":null,"path":"fast"}'

fail() { echo "selftest $case: $*" >&2; echo "--- stdout"; cat "$work/out"; echo "--- stderr"; cat "$work/err"; exit 1; }
answers() { printf '%s\n' "$@" > "$work/answers"; }
run() { # run [derpcheck args...]: default scenario dir, relay and client
  "$derpcheck" run --scenarios "$here/scenarios" -q --relay-cmd "${RELAY:-$relay_ok}" \
    --client-cmd "$client" "$@" > "$work/out" 2> "$work/err"
  rc=$?
}
want_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
want_out() { grep -qF -- "$1" "$work/out" || fail "stdout lacks: $1"; }
want_err() { grep -qF -- "$1" "$work/err" || fail "stderr lacks: $1"; }

case $case in
  teeth-match)
    answers "tailscale-1.82 1 $MULTI" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth'
    want_rc 0
    want_out "3 cells: 3 match, 0 mismatch, 0 error, 0 skipped"
    want_out "✓ fail: unexpected multiple certs" ;;
  teeth-missed)
    # a 1.82 profile that does not reproduce the upstream bug must be caught
    answers "tailscale-1.82 0 $FAST" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth'
    want_rc 1
    want_out "✗ selftest::teeth [tailscale-1.82]"
    want_out "result: expected fail, got pass" ;;
  liar)
    answers "current 1 $FAST"
    run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out "exit code 1 but JSON result is pass"
    want_out "! selftest::teeth [current]" ;;
  silent)
    answers "tailscale-1.82 1 -" "tailscale-1.84 0 -" "current 0 -"
    run --filter 'selftest::teeth'
    want_rc 0
    want_out "✓ fail (unchecked: no output)" ;;
  usage-error)
    answers 'current 2 {"result":"fail","reason":"unknown flag --tls-min"}'
    run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out "client usage/config error (exit 2): unknown flag --tls-min" ;;
  profile-filter)
    answers "current 0 $FAST"
    run --filter 'selftest::teeth' --profile current
    want_rc 0
    want_out "1 cells: 1 match" ;;
  relay-exits-early)
    answers "current 0 $FAST"
    RELAY="$here/fakes/fake-relay.sh exit-early {ready_file}" run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out "relay exited before it was ready (status 3); relay stderr: fake-relay: cannot load x509 key pair" ;;
  relay-never-ready)
    answers "current 0 $FAST"
    start=$(date +%s)
    RELAY="$here/fakes/fake-relay.sh never-ready {ready_file}" run --filter 'selftest::teeth' --profile current --ready-timeout 300
    want_rc 1
    want_out "relay not ready within 300 ms"
    [ $(($(date +%s) - start)) -lt 10 ] || fail "the relay was not stopped promptly" ;;
  relay-bad-ready)
    answers "current 0 $FAST"
    RELAY="$here/fakes/fake-relay.sh bad-ready {ready_file}" run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out 'relay ready file holds "listening", not host:port' ;;
  relay-dies)
    answers "current 0 $FAST"
    RELAY="$here/fakes/fake-relay.sh dies {ready_file}" run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out "relay exited during the scenario (status 1); relay stderr: fake-relay: panic" ;;
  bad-template)
    RELAY="derp-relay -a {lisen}" run
    want_rc 2
    want_err "command template: unknown placeholder {lisen}" ;;
  background)
    answers 'current/recv 0 {"result":"pass","reason":null,"path":null,"packet_hex":"00ff"}' "current/send 0 $FAST"
    run --filter 'selftest::background'
    want_rc 0
    want_out "1 cells: 1 match"
    answers 'current/recv 0 {"result":"pass","reason":null,"path":null,"packet_hex":"0000"}' "current/send 0 $FAST"
    run --filter 'selftest::background'
    want_rc 1
    want_out 'output.packet_hex: expected "00ff", got "0000"' ;;
  reports)
    answers "tailscale-1.82 1 $MULTI" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth' --json "$work/r.json" --junit "$work/r.xml"
    want_rc 0
    grep -q '"all_match": true' "$work/r.json" || fail "JSON report lacks all_match true"
    grep -q '<testcase classname="selftest::teeth" name="tailscale-1.82"' "$work/r.xml" || fail "JUnit lacks the 1.82 testcase"
    grep -q 'tests="3" failures="0" errors="0"' "$work/r.xml" || fail "JUnit counts wrong" ;;
  list)
    "$derpcheck" list --scenarios "$here/scenarios" > "$work/out" 2> "$work/err"
    rc=$?
    want_rc 0
    want_out "selftest::teeth"
    want_out "2 scenarios" ;;
  no-selection)
    run --filter 'nope::*'
    want_rc 1
    want_err "no scenario selected" ;;
  *) echo "selftest.sh: unknown case $case" >&2; exit 2 ;;
esac
echo "selftest $case: ok"
