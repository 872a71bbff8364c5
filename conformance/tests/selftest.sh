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
# The selftests' own registry and declarations (never the shipped ones,
# which name the real scenarios).
mkdir -p "$work/expect" "$work/peers/fake@v1" "$work/peers/fake@v3" "$work/peers/fakerelay@v1"
ln -s "$here/fakes/fake-peer-client.sh" "$work/peers/fake@v1/client"
ln -s "$here/fakes/fake-peer-client.sh" "$work/peers/fake@v3/client"
ln -s "$here/fakes/fake-peer-relay.sh" "$work/peers/fakerelay@v1/relay"
export DERPCHECK_FAKE_ANSWERS="$work/answers"
run() { # run [derpcheck args...]: default scenario dir, relay and client
  "$derpcheck" run --scenarios "$here/scenarios" -q --relay-cmd "${RELAY:-$relay_ok}" \
    --client-cmd "$client" --peers "$here/fakes/peers.json" --peers-dir "$work/peers" \
    --expectations "$work/expect" "$@" > "$work/out" 2> "$work/err"
  rc=$?
}
declarations() { printf '%s\n' "$@" > "$work/expect/fake.json"; }
want_rc() { [ "$rc" -eq "$1" ] || fail "exit status $rc, expected $1"; }
want_out() { grep -qF -- "$1" "$work/out" || fail "stdout lacks: $1"; }
want_err() { grep -qF -- "$1" "$work/err" || fail "stderr lacks: $1"; }

case $case in
  teeth-match)
    answers "tailscale-1.82 1 $MULTI" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth'
    want_rc 0
    want_out "3 cells: 3 match, 0 known deviation, 0 mismatch, 0 error, 0 skipped; 0 stale"
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
  relay-port-lost)
    # a port taken between the runner's pick and the relay's bind: set up
    # again, at most 3 times in all; any other early exit is not retried
    answers "current 0 $FAST"
    RELAY="$here/fakes/fake-relay.sh port-lost {ready_file} $work/starts 2 $relay_ok" run --filter 'selftest::teeth' --profile current
    want_rc 0
    want_out "1 cells: 1 match"
    [ "$(wc -l < "$work/starts")" -eq 3 ] || fail "relay started $(wc -l < "$work/starts") times, expected 3"
    rm -f "$work/starts"
    RELAY="$here/fakes/fake-relay.sh port-lost {ready_file} $work/starts 9 $relay_ok" run --filter 'selftest::teeth' --profile current
    want_rc 1
    want_out "bind: address already in use"
    [ "$(wc -l < "$work/starts")" -eq 3 ] || fail "relay started $(wc -l < "$work/starts") times, expected 3 (the limit)" ;;
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
    grep -q '"ok": true' "$work/r.json" || fail "JSON report lacks ok true"
    grep -q '<testcase classname="selftest::teeth" name="tailscale-1.82"' "$work/r.xml" || fail "JUnit lacks the 1.82 testcase"
    grep -q 'tests="3" failures="0" errors="0"' "$work/r.xml" || fail "JUnit counts wrong" ;;
  list)
    "$derpcheck" list --scenarios "$here/scenarios" > "$work/out" 2> "$work/err"
    rc=$?
    want_rc 0
    want_out "selftest::teeth"
    want_out "4 scenarios" ;;
  held-ports)
    # The ports a scenario needs closed are held by the runner for its whole
    # run (scenario_run.c): the client tries to take and dial the closed
    # DERPPort on the relay's address (node_host) and on a node address the
    # relay does not listen on (dial_addr, the IPv6 override), and the closed
    # STUNPort (UDP: refused by ICMP, not swallowed).
    squat="$(dirname "$derpcheck")/port-squat-client"
    [ -x "$squat" ] || fail "no $squat (the port-squat-client target)"
    run --filter 'selftest::held-ports' --profile current \
      --client-cmd "$squat {dial_addr} {dial_port} {node_host} {dial_port} udp/{node_host} {node_stun_port}"
    want_rc 0
    want_out "1 cells: 1 match" ;;
  no-selection)
    run --filter 'nope::*'
    want_rc 1
    want_err "no scenario selected" ;;
  peer-column)
    # a registry client is a column of its own, judged by its profile's
    # expectations; --client alone runs only it
    answers "fake@v1 1 $MULTI"
    run --filter 'selftest::teeth' --client fake@v1
    want_rc 0
    want_out "fake@v1"
    want_out "1 cells: 1 match"
    grep -q "tailscale-1.84" "$work/out" && fail "reference columns ran without --profile"
    answers "fake@v1 0 $FAST" "tailscale-1.82 1 $MULTI"
    run --filter 'selftest::teeth' --client fake@v1 --profile tailscale-1.82 --json "$work/r.json"
    want_rc 1
    want_out "✗ selftest::teeth [fake@v1]"
    want_out "expected: fail: unexpected multiple certs presented (profile tailscale-1.82)"
    want_out "2 cells: 1 match, 0 known deviation, 1 mismatch"
    grep -q '"profile": "tailscale-1.82"' "$work/r.json" || fail "JSON lacks the judging profile" ;;
  background-columns)
    # two columns judged by current: each runs the background scenario in
    # a pass of its own, with its own ready file
    answers 'current/recv 0 {"result":"pass","reason":null,"path":null,"packet_hex":"00ff"}' "current/send 0 $FAST" \
            'fake@v3/recv 0 {"result":"pass","reason":null,"path":null,"packet_hex":"00ff"}' "fake@v3/send 0 $FAST"
    mkdir "$work/tmp"
    run --filter 'selftest::background' --profile current --client fake@v3 --keep --tmpdir "$work/tmp"
    want_rc 0
    want_out "2 cells: 2 match"
    kept=$(sed -n 's/.*] kept //p' "$work/err")
    [ -e "$kept/client-0-fake@v3.ready" ] || fail "no ready file of its own for fake@v3 in '$kept'"
    # pass by pass: current's recv and send, then fake@v3's
    grep -o 'step [01] ([a-z]*): exit 0' "$work/err" | tr '\n' ' ' | grep -q 'step 0 (recv): exit 0 step 1 (send): exit 0 step 1 (send): exit 0 step 0 (recv): exit 0' \
      || fail "columns did not run in passes" ;;
  known-deviation)
    answers "fake@v1 0 $FAST"
    declarations '[{"scenario": "selftest::teeth", "column": "fake@v1*", "upstream": {"result": "pass", "path": "fast"},' \
            ' "why": "the fake never had the 1.82 bug"}]'
    run --filter 'selftest::teeth' --client fake@v1
    want_rc 0
    want_out "≈ pass (fast)"
    want_out "known deviations (declared upstream behaviour):"
    want_out "why:      fake.json[0]: the fake never had the 1.82 bug"
    want_out "1 cells: 0 match, 1 known deviation, 0 mismatch, 0 error, 0 skipped; 0 stale" ;;
  stale-declaration)
    declarations '[{"scenario": "selftest::teeth", "column": "fake@*", "upstream": {"result": "pass", "path": "fast"},' \
            ' "why": "the fake never had the 1.82 bug"}]'
    # upstream "fixed": the cell now matches the scenario
    answers "fake@v1 1 $MULTI"
    run --filter 'selftest::teeth' --client fake@v1
    want_rc 1
    want_out "✗ stale decl.: fail: unexpected m"
    want_out "✗ stale declaration: fake.json[0] (column fake@*, relay *) on selftest::teeth [fake@v1], relay custom: the cell now matches the scenario's expectation"
    want_out "0 mismatch, 0 error, 0 skipped; 1 stale"
    # upstream changed otherwise: matches neither
    answers 'fake@v1 1 {"result":"fail","reason":"something else"}'
    run --filter 'selftest::teeth' --client fake@v1
    want_rc 1
    want_out "matches neither the scenario's expectation nor the declared upstream behaviour: result: expected pass, got fail"
    want_out "1 mismatch, 0 error, 0 skipped; 1 stale" ;;
  unsupported-relay)
    # one run, two relays: the registry relay cannot limit TLS versions
    answers 'current 0 {"result":"pass","reason":null,"path":null}'
    run --filter 'selftest::t*' --profile current --relay reference,fakerelay@v1 --jobs 2
    want_rc 0
    want_out "── relay custom ──"
    want_out "── relay fakerelay@v1 ──"
    want_out "- skipped (tls_versions)"
    want_out "- relay fakerelay@v1 cannot do tls_versions: the fake relay takes no TLS limits (like derper)"
    want_out "    selftest::tls12 on fakerelay@v1 [current]"
    want_out "4 cells: 3 match, 0 known deviation, 0 mismatch, 0 error, 1 skipped" ;;
  peer-missing)
    run --filter 'selftest::teeth' --client fake   # every version: v2 is not built
    want_rc 2
    want_err "fake@v2: $work/peers/fake@v2/client is missing"
    want_err "build.sh --out $work/peers v2"
    run --filter 'selftest::teeth' --client nope
    want_rc 2
    want_err "--client: unknown implementation 'nope' (known: fake)"
    run --filter 'selftest::teeth' --relay fakerelay@v9
    want_rc 2
    want_err "--relay: unknown version 'fakerelay@v9' (known: fakerelay@v1) (or reference)" ;;
  bad-declaration)
    declarations '[{"scenario": "selftest::gone", "column": "*", "upstream": {"result": "pass"}, "why": "w"}]'
    run --filter 'selftest::teeth'
    want_rc 2
    want_err 'fake.json[0]: scenario "selftest::gone" does not exist'
    declarations '[{"scenario": "selftest::teeth", "column": "*", "upstream": {"result": "pass"}}]'
    run --filter 'selftest::teeth'
    want_rc 2
    want_err "fake.json: [0].why: missing" ;;
  repeat-flaky)
    # a client whose answer changes between runs of the same cell
    answers "current 0 $FAST" "current 1 $MULTI"
    client="$client --rotate"
    run --filter 'selftest::teeth' --profile current --repeat 2
    want_rc 1
    want_out "actual:   flaky over 2 runs: match, mismatch"
    want_out "1 cells: 0 match, 0 known deviation, 0 mismatch, 0 error, 0 skipped, 1 flaky" ;;
  repeat-steady)
    answers "current 0 $FAST"
    run --filter 'selftest::teeth' --profile current --repeat 3
    want_rc 0
    want_out "1 cells: 1 match, 0 known deviation" ;;
  diff-baseline)
    answers "tailscale-1.82 1 $MULTI" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth' --json "$work/base.json"
    want_rc 0
    answers "tailscale-1.82 0 $FAST" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth' --json "$work/new.json" --baseline "$work/base.json"
    want_rc 1
    want_out "worse        selftest::teeth [tailscale-1.82] on custom: match -> mismatch"
    want_out "1 worse, 0 better"
    "$derpcheck" diff "$work/new.json" "$work/base.json" > "$work/out" 2> "$work/err"
    rc=$?
    want_rc 0
    want_out "better       selftest::teeth [tailscale-1.82] on custom: mismatch -> match"
    "$derpcheck" diff "$work/base.json" "$work/nonexistent.json" > "$work/out" 2> "$work/err"
    rc=$?
    want_rc 2
    want_err "nonexistent.json" ;;
  markdown)
    answers "tailscale-1.82 0 $FAST" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth' --format markdown
    want_rc 1
    want_out "### derpcheck: FAILED"
    want_out "| scenario | tailscale-1.82 | tailscale-1.84 | current |"
    want_out "- selftest::teeth [tailscale-1.82]: expected fail: unexpected multiple certs" ;;
  html-browser)
    # The page in a real browser (Debian's chromium, headless): the DOM
    # after its script ran, with the mismatch cell opened by its #cell=N
    # link, as a click opens it.
    browser=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$browser" ]; then
      echo "selftest $case: skipped: no chromium here (ci/setup.sh installs Debian's chromium)"
      exit 77
    fi
    answers "tailscale-1.82 0 $FAST" "tailscale-1.84 0 $FAST" "current 0 $FAST"
    run --filter 'selftest::teeth' --html "$work/report.html"
    want_rc 1
    cell=$(grep -o 'data-cell="[0-9]*" data-verdict="mismatch"' "$work/report.html" | grep -o '[0-9]*' | head -1)
    [ -n "$cell" ] || fail "no mismatch cell in the page"
    url="file://$work/report.html#cell=$cell"
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
      --dump-dom "$url" > "$work/dom.html" 2> "$work/chrome.err" || fail "chromium failed: $(tail -3 "$work/chrome.err")"
    grep -q '<div id="js-errors" hidden' "$work/dom.html" || fail "the page reported script errors: $(grep -o '<div id="js-errors".\{0,300\}' "$work/dom.html")"
    [ "$(grep -o '<td class="v ' "$work/dom.html" | wc -l)" -eq 3 ] || fail "want 3 cells in the rendered matrix"
    grep -q "<aside id=\"detail\" data-cell=\"$cell\">" "$work/dom.html" || fail "the detail panel did not open for cell $cell"
    grep -q '<dd data-field="why">result: expected fail, got pass' "$work/dom.html" || fail "the open cell does not say why"
    grep -q '<dd data-field="command">.*fake-client.sh' "$work/dom.html" || fail "the open cell lacks its command line"
    grep -q '3 cells shown' "$work/dom.html" || fail "the filters did not run"
    # and with the real reference relay and client: a cell's transcript
    "$derpcheck" run -q --filter 'relay::packet-relay' --profile current \
      --html "$work/real.html" > "$work/out" 2> "$work/err" || fail "reference run failed"
    cell=$(grep -o 'data-cell="[0-9]*" data-verdict="match" data-col="current"' "$work/real.html" | grep -o '[0-9][0-9]*' | head -1)
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
      --dump-dom "file://$work/real.html#cell=$cell" > "$work/dom2.html" 2> "$work/chrome.err" || fail "chromium failed"
    tr '\n' ' ' < "$work/dom2.html" > "$work/dom2.flat"
    grep -q '<pre id="d-transcript">step [^<]*&gt; ClientInfo (0x02) 104 bytes' "$work/dom2.flat" ||
      fail "the opened cell shows no transcript with the client's ClientInfo"
    grep -q '<pre id="d-transcript">[^<]*&lt; RecvPacket (0x05)' "$work/dom2.flat" ||
      fail "the transcript lacks the relayed packet"
    shot=${DERPCHECK_SCREENSHOT:-}
    if [ -n "$shot" ]; then
      timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/chrome" \
        --window-size=1400,900 --screenshot="$shot" "$url" 2>/dev/null || fail "no screenshot"
      echo "selftest $case: screenshot $shot"
    fi ;;
  *) echo "selftest.sh: unknown case $case" >&2; exit 2 ;;
esac
echo "selftest $case: ok"
