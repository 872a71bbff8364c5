#!/usr/bin/env bash
# relay_integration.sh TEST: one loopback integration test of derp-relay.
#
# Each test starts its own relay processes (port 0, readiness through
# --ready-file, waited for by `relay_probe wait-ready` with inotify: no sleep
# loops), drives them with relay_probe and openssl s_client, and stops every
# relay by its PID with SIGTERM, asserting a prompt exit 0 (under ASan that
# exit status also says "no leaks"). An EXIT trap kills whatever is left, so
# a failing test never leaves a relay behind.
#
# What the conformance scenarios (conformance/scenarios/relay-*.json) assert
# over the wire is not repeated here: these cases cover what a scenario
# cannot, such as flags, restarts, log lines, refusals and shutdown.
#
# Environment: RELAY_BIN (derp-relay), PROBE_BIN (relay_probe).
set -euo pipefail

: "${RELAY_BIN:?RELAY_BIN must name the derp-relay binary}"
: "${PROBE_BIN:?PROBE_BIN must name the relay_probe binary}"
TEST=${1:?usage: relay_integration.sh TEST}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/relay_it.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL [$TEST]: $*" >&2
  local f
  for f in "$WORK"/*.log "$WORK"/*.out; do
    [ -f "$f" ] || continue
    echo "----- $f" >&2
    tail -n 40 "$f" >&2
  done
  exit 1
}

# expect_grep PATTERN FILE WHAT: FILE must contain a line matching PATTERN (ERE).
expect_grep() {
  grep -Eq -- "$1" "$2" || fail "$3: no line matching /$1/ in $(basename "$2")"
}

forget_pid() {
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# start_relay NAME [args...]: a relay logging to NAME.log. Sets ADDR (host:port),
# STUN_ADDR (host:port or ""), RELAY_PID. Defaults: the acceptance command
# line (IP hostname 127.0.0.1, manual certs in $WORK/certs, -a 127.0.0.1:0,
# which makes the STUN port ephemeral too); later args override.
start_relay() {
  local name=$1
  shift
  "$RELAY_BIN" --hostname 127.0.0.1 --certmode manual --certdir "$WORK/certs" \
    -a 127.0.0.1:0 "$@" --ready-file "$WORK/$name.ready" \
    2>"$WORK/$name.log" &
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  local ready
  ready=$("$PROBE_BIN" wait-ready "$WORK/$name.ready" "$RELAY_PID" 30000) ||
    fail "relay $name did not become ready"
  ADDR=$(sed -n 1p <<<"$ready")
  STUN_ADDR=$(sed -n 's/^stun //p' <<<"$ready")
}

# stop_relay PID: SIGTERM, then it must exit 0 within 10 s (waited for with
# a pidfd by relay_probe, so no sleep and no watchdog process).
stop_relay() {
  local pid=$1 rc=0 start end
  start=$(date +%s%N)
  kill -TERM "$pid"
  if ! "$PROBE_BIN" wait-exit "$pid" 10000; then
    kill -KILL "$pid" 2>/dev/null || true
    fail "relay $pid still running 10 s after SIGTERM"
  fi
  wait "$pid" || rc=$?
  end=$(date +%s%N)
  forget_pid "$pid"
  [ "$rc" -eq 0 ] || fail "relay $pid exited $rc after SIGTERM (ASan leaks or a crash?)"
  STOP_MS=$(((end - start) / 1000000))
}

probe() { "$PROBE_BIN" "$@"; }

# s_client -showcerts against ADDR; extra args passed on (e.g. -tls1_2).
showcerts() {
  local addr=$1
  shift
  openssl s_client -connect "$addr" -showcerts "$@" </dev/null 2>&1 || true
}

count_certs() { grep -cE '^ *[0-9]+ s:' <<<"$1" || true; }

sha256_of_crt() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

# ---------------------------------------------------------------------------

t_help() {
  "$RELAY_BIN" --help >"$WORK/help.out" || fail "--help did not exit 0"
  local f
  for f in '-a ADDR' --hostname --certmode --certdir '-c KEYFILE' '--stun\[' --stun-port \
    '--derp\[' --http-port --tcp-write-timeout '--verify-clients ' --verify-clients-file \
    --metacert --tls-min --tls-max --ready-file --handshake-timeout; do
    expect_grep "$f" "$WORK/help.out" "--help documents $f"
  done
}

t_flag_errors() {
  local rc
  rc=0
  "$RELAY_BIN" --verify-clients --certdir "$WORK/c" 2>"$WORK/e1.log" || rc=$?
  [ "$rc" -eq 2 ] || fail "--verify-clients without a file exited $rc, want 2"
  expect_grep 'verify-clients needs --verify-clients-file FILE' "$WORK/e1.log" "verify-clients error"
  rc=0
  "$RELAY_BIN" --certmode letsencrypt --certdir "$WORK/c" 2>"$WORK/e2.log" || rc=$?
  [ "$rc" -eq 2 ] || fail "--certmode letsencrypt exited $rc, want 2"
  expect_grep 'certmode=letsencrypt is not supported' "$WORK/e2.log" "certmode error"
  rc=0
  "$RELAY_BIN" --bogus 2>"$WORK/e3.log" || rc=$?
  [ "$rc" -eq 2 ] || fail "--bogus exited $rc, want 2"
  expect_grep 'flag provided but not defined: -bogus' "$WORK/e3.log" "unknown flag error"
  # A DNS hostname with no files is fatal (only IP hostnames get a generated cert).
  rc=0
  "$RELAY_BIN" --hostname relay.test --certdir "$WORK/c" -a 127.0.0.1:0 --stun=false \
    2>"$WORK/e4.log" || rc=$?
  [ "$rc" -eq 1 ] || fail "missing DNS cert exited $rc, want 1"
  expect_grep 'can not load x509 key pair for hostname "relay.test"' "$WORK/e4.log" "missing cert error"
  # A mesh key file that is not 64 hex digits names the file and the problem.
  printf 'not-a-key\n' >"$WORK/mesh.key"
  rc=0
  "$RELAY_BIN" --mesh-psk-file "$WORK/mesh.key" --certdir "$WORK/c" 2>"$WORK/e5.log" || rc=$?
  [ "$rc" -eq 2 ] || fail "bad --mesh-psk-file exited $rc, want 2"
  expect_grep "--mesh-psk-file $WORK/mesh.key: must hold 64 hex digits, found 9 characters" \
    "$WORK/e5.log" "mesh key error"
}

SNIPPET_LINE1='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} Using self-signed certificate for IP address "127.0.0.1"\. Configure it in DERPMap using: \(https://tailscale\.com/s/custom-derp\)$'

snippet_hash() {
  sed -n 's/^  {"Name":"custom","RegionID":900,"HostName":"127\.0\.0\.1","CertName":"sha256-raw:\([0-9a-f]\{64\}\)"}$/\1/p' "$1" | tail -n 1
}

t_start_snippet() {
  start_relay r1
  grep -Eq '^127\.0\.0\.1:[0-9]+$' <<<"$ADDR" || fail "ready file line 1 is '$ADDR'"
  grep -Eq '^127\.0\.0\.1:[0-9]+$' <<<"$STUN_ADDR" || fail "ready file STUN line is '$STUN_ADDR'"
  [ "$(wc -l <"$WORK/r1.ready")" -eq 2 ] || fail "ready file has $(wc -l <"$WORK/r1.ready") lines"
  expect_grep "$SNIPPET_LINE1" "$WORK/r1.log" "snippet line 1"
  # Line 2 directly follows line 1, exactly two spaces then compact JSON.
  grep -A1 -E "$SNIPPET_LINE1" "$WORK/r1.log" | tail -n 1 >"$WORK/line2.out"
  expect_grep '^  \{"Name":"custom","RegionID":900,"HostName":"127\.0\.0\.1","CertName":"sha256-raw:[0-9a-f]{64}"\}$' \
    "$WORK/line2.out" "snippet line 2"
  if [ ! -f "$WORK/certs/127.0.0.1.crt" ] || [ ! -f "$WORK/certs/127.0.0.1.key" ]; then
    fail "generated cert files missing in certdir"
  fi
  stop_relay "$RELAY_PID"
}

# relay::snippet pins the printed hash and checks it against the certdir leaf;
# what it cannot do is restart the relay.
t_snippet_after_restart() {
  start_relay r1
  local want got
  want=$(sha256_of_crt "$WORK/certs/127.0.0.1.crt")
  stop_relay "$RELAY_PID"
  # A restart reuses the files and prints the same snippet again.
  start_relay r2
  got=$(snippet_hash "$WORK/r2.log")
  [ "$got" = "$want" ] || fail "after restart the snippet hash is $got, want $want"
  stop_relay "$RELAY_PID"
}

# relay::handshakes-keep-2-certs repeats the handshake under TLS 1.3 only.
t_chain_stable_tls12() {
  start_relay r1
  probe chain "$ADDR" --repeat 20 --tls 1.2 >"$WORK/chain12.out" || fail "TLS 1.2 handshakes failed"
  expect_grep '^handshakes 20 all_certs 2$' "$WORK/chain12.out" "TLS 1.2 chain length stable"
  stop_relay "$RELAY_PID"
}

t_tls_versions() {
  start_relay r1
  local out
  out=$(showcerts "$ADDR" -tls1_2)
  grep -q 'Protocol *: TLSv1.2' <<<"$out" || fail "TLS 1.2 not served"
  [ "$(count_certs "$out")" -eq 2 ] || fail "TLS 1.2: $(count_certs "$out") certs, want 2"
  out=$(showcerts "$ADDR" -tls1_3)
  grep -q 'TLSv1.3' <<<"$out" || fail "TLS 1.3 not served"
  [ "$(count_certs "$out")" -eq 2 ] || fail "TLS 1.3: $(count_certs "$out") certs, want 2"
  probe exchange "$ADDR" --tls 1.2 >/dev/null || fail "DERP over TLS 1.2 failed"
  stop_relay "$RELAY_PID"

  start_relay r13 --tls-min 1.3
  probe chain "$ADDR" --tls 1.2 >/dev/null 2>&1 && fail "--tls-min 1.3 still served TLS 1.2"
  probe chain "$ADDR" --tls 1.3 >/dev/null || fail "--tls-min 1.3 refused TLS 1.3"
  stop_relay "$RELAY_PID"
  # The relay's own protocol_version alert is a local error, not the peer's.
  expect_grep 'http: TLS handshake error from 127\.0\.0\.1:[0-9]+: local error: tls: protocol version not supported$' \
    "$WORK/r13.log" "alert sent by the relay logged as local"
  grep -q 'remote error' "$WORK/r13.log" && fail "the relay's own alert logged as a remote error"

  # A client that rejects the chain sends its alert: a remote error.
  start_relay rca
  mkdir -p "$WORK/no-cas"
  openssl s_client -connect "$ADDR" -verify_return_error -CApath "$WORK/no-cas" -no-CAfile \
    -no-CAstore </dev/null >"$WORK/rca.out" 2>&1 || true
  stop_relay "$RELAY_PID"
  expect_grep 'http: TLS handshake error from 127\.0\.0\.1:[0-9]+: remote error: tls: unknown certificate authority$' \
    "$WORK/rca.log" "alert received from the client logged as remote"

  start_relay r12 --tls-max 1.2
  probe chain "$ADDR" --tls 1.3 >/dev/null 2>&1 && fail "--tls-max 1.2 still served TLS 1.3"
  probe chain "$ADDR" --tls 1.2 >/dev/null || fail "--tls-max 1.2 refused TLS 1.2"
  stop_relay "$RELAY_PID"
}

t_metacert_off() {
  start_relay r1 --metacert=off
  local out
  out=$(showcerts "$ADDR")
  [ "$(count_certs "$out")" -eq 1 ] || fail "--metacert=off: $(count_certs "$out") certs, want 1"
  grep -q 'derpkey' <<<"$out" && fail "--metacert=off still serves a derpkey cert"
  probe upgrade "$ADDR" --fast-start >"$WORK/up.out" || fail "upgrade without metacert failed"
  expect_grep '^fast_start no$' "$WORK/up.out" "no fast start without metacert"
  expect_grep '^http_status 101$' "$WORK/up.out" "101 without metacert"
  stop_relay "$RELAY_PID"
}

t_ipv6() {
  start_relay r6 -a '[::1]:0' --hostname ::1
  grep -Eq '^\[::1\]:[0-9]+$' <<<"$ADDR" || fail "ready file line 1 is '$ADDR', want [::1]:port"
  grep -Eq '^\[::1\]:[0-9]+$' <<<"$STUN_ADDR" || fail "STUN line is '$STUN_ADDR'"
  expect_grep '"HostName":"::1","CertName":"sha256-raw:[0-9a-f]{64}"' "$WORK/r6.log" "IPv6 snippet"
  [ -f "$WORK/certs/1.crt" ] || fail "certdir name for ::1 should be 1.crt"
  local out
  out=$(showcerts "$ADDR")
  [ "$(count_certs "$out")" -eq 2 ] || fail "IPv6: $(count_certs "$out") certs, want 2"
  probe exchange "$ADDR" >/dev/null || fail "DERP exchange over IPv6 failed"
  probe stun "$STUN_ADDR" >"$WORK/stun.out" || fail "STUN over IPv6 failed"
  stop_relay "$RELAY_PID"
}

t_alpn() {
  start_relay r1
  probe chain "$ADDR" --alpn http/1.1 >/dev/null || fail "ALPN http/1.1 refused"
  probe chain "$ADDR" --alpn h2 >/dev/null 2>&1 && fail "ALPN h2 alone was accepted"
  stop_relay "$RELAY_PID"
  expect_grep 'TLS handshake error from 127\.0\.0\.1:[0-9]+: tls: client requested unsupported application protocols \(\[h2\]\)' \
    "$WORK/r1.log" "ALPN refusal logged"
}

t_sni_dns() {
  mkdir -p "$WORK/certs"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/certs/relay.test.key" -out "$WORK/certs/relay.test.crt" -days 30 \
    -subj /CN=relay.test -addext subjectAltName=DNS:relay.test 2>/dev/null
  start_relay r1 --hostname relay.test
  grep -q 'Using self-signed certificate' "$WORK/r1.log" && fail "snippet printed for a DNS hostname"
  probe chain "$ADDR" --sni relay.test >"$WORK/ok.out" || fail "SNI relay.test refused"
  expect_grep '^certs 2$' "$WORK/ok.out" "DNS mode chain"
  probe chain "$ADDR" --sni other.test >/dev/null 2>&1 && fail "SNI other.test accepted"
  probe chain "$ADDR" >/dev/null 2>&1 && fail "no SNI accepted for a DNS hostname"
  stop_relay "$RELAY_PID"
  expect_grep 'http: TLS handshake error from 127\.0\.0\.1:[0-9]+: cert mismatch with hostname: "other\.test"$' \
    "$WORK/r1.log" "SNI mismatch logged"
  expect_grep 'http: TLS handshake error from 127\.0\.0\.1:[0-9]+: cert mismatch with hostname: ""$' \
    "$WORK/r1.log" "missing SNI logged"
  # IP hostname: any SNI, even a garbage one, is fine.
  start_relay r2
  probe chain "$ADDR" --sni sha256-raw:abc >/dev/null || fail "IP mode refused an odd SNI"
  stop_relay "$RELAY_PID"
}

# relay::bad-upgrade-426 asserts the answers; the log line is the relay's own.
t_http_426_logged() {
  start_relay r1
  probe http "$ADDR" 'GET /derp' 'Upgrade: websocketx' 'Connection: Upgrade' >"$WORK/426.out" ||
    fail "request failed"
  expect_grep '^HTTP/1\.1 426 Upgrade Required' "$WORK/426.out" "426 status"
  stop_relay "$RELAY_PID"
  expect_grep 'Weird upgrade: "websocketx"' "$WORK/r1.log" "weird upgrade logged"
}

t_http_endpoints() {
  start_relay r1
  probe http "$ADDR" 'GET /generate_204' 'X-Tailscale-Challenge: ts_derp99b.tailscale.com' >"$WORK/204.out"
  expect_grep '^HTTP/1\.1 204 ' "$WORK/204.out" "generate_204 status"
  expect_grep '^X-Tailscale-Response: response ts_derp99b\.tailscale\.com' "$WORK/204.out" "challenge echoed"
  expect_grep '^Cache-Control: no-cache, no-store, must-revalidate, no-transform, max-age=0' "$WORK/204.out" "cache-control"
  probe http "$ADDR" 'GET /generate_204' 'X-Tailscale-Challenge: foo bar' >"$WORK/204b.out"
  grep -q 'X-Tailscale-Response' "$WORK/204b.out" && fail "invalid challenge echoed"
  probe http "$ADDR" 'GET /derp/probe' >"$WORK/probe.out"
  expect_grep '^HTTP/1\.1 200 ' "$WORK/probe.out" "probe status"
  expect_grep '^Access-Control-Allow-Origin: \*' "$WORK/probe.out" "probe CORS header"
  probe http "$ADDR" 'HEAD /derp/latency-check' >"$WORK/lat.out"
  expect_grep '^HTTP/1\.1 200 ' "$WORK/lat.out" "latency-check status"
  probe http "$ADDR" 'POST /derp/probe' >"$WORK/post.out"
  expect_grep '^HTTP/1\.1 405 ' "$WORK/post.out" "probe POST status"
  probe http "$ADDR" 'GET /robots.txt' >"$WORK/robots.out"
  expect_grep '^Disallow: /' "$WORK/robots.out" "robots.txt"
  probe http "$ADDR" 'GET /nope' >"$WORK/404.out"
  expect_grep '^HTTP/1\.1 404 ' "$WORK/404.out" "unknown path"
  stop_relay "$RELAY_PID"
  start_relay r2 --derp=false
  probe http "$ADDR" 'GET /derp' 'Upgrade: DERP' 'Connection: Upgrade' >"$WORK/off.out"
  expect_grep '^HTTP/1\.1 404 ' "$WORK/off.out" "--derp=false status"
  expect_grep '^derp server disabled' "$WORK/off.out" "--derp=false body"
  stop_relay "$RELAY_PID"
}

# s_client as a raw TLS pipe: send stdin, print everything until the relay
# closes (-ign_eof keeps reading after stdin ends).
tls_raw() { timeout 10 openssl s_client -quiet -ign_eof -connect "$1" 2>/dev/null || true; }

t_bad_input() {
  start_relay r1
  printf 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n' | tls_raw "$ADDR" >"$WORK/bad.out"
  expect_grep '^HTTP/1\.1 400 Bad Request' "$WORK/bad.out" "malformed header answered 400"
  { printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 9000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } |
    tls_raw "$ADDR" >"$WORK/big.out"
  expect_grep '^HTTP/1\.1 431 ' "$WORK/big.out" "oversized head answered 431"
  printf 'GET /derp HTTP/1.1\r\nHost: x\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n\r\n\001\000\000\000\050' |
    tls_raw "$ADDR" >/dev/null
  http_plain "$ADDR" 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$WORK/plain.out"
  grep -q 'HTTP/' "$WORK/plain.out" && fail "plain HTTP on the TLS port got an HTTP answer"
  probe exchange "$ADDR" >/dev/null || fail "relay unusable after bad input"
  stop_relay "$RELAY_PID"
  expect_grep 'http: bad request from 127\.0\.0\.1:[0-9]+: invalid header field name' "$WORK/r1.log" "bad header logged"
  expect_grep 'http: bad request from 127\.0\.0\.1:[0-9]+: request header too large' "$WORK/r1.log" "big head logged"
  expect_grep 'closed: bad frame type 0x1, want 0x2' "$WORK/r1.log" "wrong first frame logged"
  expect_grep 'http: TLS handshake error from 127\.0\.0\.1:[0-9]+: ' "$WORK/r1.log" "plain HTTP logged"
}

t_exchange() {
  start_relay r1
  probe exchange "$ADDR" --size 1024 >"$WORK/x1.out" || fail "1 KiB exchange failed"
  expect_grep '^exchanged 1024$' "$WORK/x1.out" "1 KiB exchange"
  probe exchange "$ADDR" --size 65536 >"$WORK/x64.out" || fail "64 KiB exchange failed"
  expect_grep '^exchanged 65536$' "$WORK/x64.out" "64 KiB exchange"
  probe exchange "$ADDR" --size 0 >/dev/null || fail "empty packet exchange failed"
  stop_relay "$RELAY_PID"
}

t_same_key() {
  start_relay r1
  probe same-key "$ADDR" >"$WORK/sk.out" || fail "same-key scenario failed"
  expect_grep '^first closed$' "$WORK/sk.out" "first connection replaced"
  expect_grep '^second receives$' "$WORK/sk.out" "second connection serves the key"
  stop_relay "$RELAY_PID"
}

t_slow_reader() {
  start_relay r1 --tcp-write-timeout 300ms
  # A client that never reads, flooded without end: the packets beyond its
  # queue are dropped (derper's rule), and only the write timeout cuts it.
  probe slow-reader "$ADDR" >"$WORK/slow.out" || fail "slow-reader (flood) scenario failed"
  expect_grep '^slow_reader closed' "$WORK/slow.out" "never-reading client cut off"
  expect_grep '^others working$' "$WORK/slow.out" "others unaffected by the flood"
  # 48 x 64 KiB, more than the kernel buffers hold: the write timeout again.
  probe slow-reader "$ADDR" --repeat 48 --rcvbuf 4096 >"$WORK/slow2.out" ||
    fail "slow-reader (write timeout) scenario failed"
  expect_grep '^slow_reader closed' "$WORK/slow2.out" "slow reader cut off by the write timeout"
  expect_grep '^others working$' "$WORK/slow2.out" "others unaffected by the write timeout"
  stop_relay "$RELAY_PID"
  grep -q 'closed: send queue full' "$WORK/r1.log" && fail "a receiver was cut for its queue, not a stall"
  [ "$(grep -cE 'closed: write timeout: [0-9]+ bytes unwritten for [0-9]+ ms' "$WORK/r1.log")" -eq 2 ] ||
    fail "want two write-timeout closes logged"
  # The shutdown stats account for every packet: the flood's drops are
  # counted (queue head), and received = relayed + forwarded to mesh peers +
  # the other drops.
  local stats
  stats=$(grep -E 'derp-relay: stats: ' "$WORK/r1.log") || fail "no stats line at shutdown"
  awk '{
    for (i = 1; i <= NF; i++) {
      if ($i == "received") rcv = $(i + 1); if ($i == "relayed") rel = $(i + 1) + 0
      if ($i == "dest" && $(i - 1) == "unknown") unk = $(i + 1) + 0
      if ($i == "closed" && $(i - 1) == "dest") cls = $(i + 1) + 0
      if ($i == "head") head = $(i + 1) + 0; if ($i == "full") full = $(i + 1) + 0
      if ($i == "out" && $(i - 2) == "in") fwd = $(i + 1) + 0
      if ($i == "failed" && $(i - 1) == "forward") ffail = $(i + 1) + 0
    }
    if (head == 0) { print "no queue-head drops counted"; exit 1 }
    if (rcv + 0 != rel + unk + cls + full + fwd + ffail) {
      print "received " rcv " != relayed+forwarded+dropped"; exit 1
    }
  }' <<<"$stats" || fail "stats do not account for every packet: $stats"
}

# A close after a failed write says why the write failed (the errno).
t_write_failure() {
  start_relay r1
  probe write-fail "$ADDR" --pid "$RELAY_PID" >"$WORK/wf.out" || fail "B suffered from A's failed write"
  stop_relay "$RELAY_PID"
  expect_grep 'closed: write failed: (Connection reset by peer|Broken pipe)' "$WORK/r1.log" \
    "the failed write's errno"
  grep -E 'closed: write failed' "$WORK/r1.log"
}

t_verify_clients() {
  local k1 k2 priv1 pub1 priv2
  k1=$(probe genkey)
  k2=$(probe genkey)
  priv1=${k1%% *}
  pub1=${k1#* }
  priv2=${k2%% *}
  printf '# admitted keys\n\n  %s  \r\n' "$pub1" >"$WORK/allow.txt"
  start_relay r1 --verify-clients --verify-clients-file "$WORK/allow.txt"
  probe connect "$ADDR" --key "$priv1" >"$WORK/ok.out" || fail "listed key was not accepted"
  local rc=0
  probe connect "$ADDR" --key "$priv2" >"$WORK/no.out" || rc=$?
  [ "$rc" -eq 3 ] || fail "unlisted key: relay_probe exited $rc, want 3 (rejected after ClientInfo)"
  expect_grep '^rejected$' "$WORK/no.out" "unlisted key rejected"
  stop_relay "$RELAY_PID"
  expect_grep 'rejected' "$WORK/r1.log" "rejection logged"
  # A malformed allowlist stops the start-up with the line number.
  printf '%s\nnodekey:1234\n' "$pub1" >"$WORK/bad.txt"
  rc=0
  "$RELAY_BIN" --hostname 127.0.0.1 --certdir "$WORK/certs" -a 127.0.0.1:0 --stun=false \
    --verify-clients --verify-clients-file "$WORK/bad.txt" 2>"$WORK/bad.log" || rc=$?
  [ "$rc" -eq 1 ] || fail "bad allowlist exited $rc, want 1"
  expect_grep 'line 2: want nodekey:<64 hex digits>, got "nodekey:1234"' "$WORK/bad.log" "allowlist error"
}

t_handshake_timeout() {
  start_relay r1 --handshake-timeout 300ms
  probe idle-handshake "$ADDR" >"$WORK/idle.out" || fail "idle DERP client was not closed"
  expect_grep '^idle_client closed' "$WORK/idle.out" "idle DERP client closed"
  # A TCP client that never starts TLS is dropped too.
  local port=${ADDR##*:} t0 t1
  t0=$(date +%s%N)
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  timeout 10 cat <&3 >/dev/null || fail "silent TCP client not closed within 10 s"
  exec 3<&-
  t1=$(date +%s%N)
  [ $(((t1 - t0) / 1000000)) -lt 5000 ] || fail "silent TCP client closed only after $(((t1 - t0) / 1000000)) ms"
  stop_relay "$RELAY_PID"
  expect_grep 'handshake timeout' "$WORK/r1.log" "TLS timeout logged"
}

t_keyfile() {
  start_relay r1 -c "$WORK/keys/derper.key"
  [ -f "$WORK/keys/derper.key" ] || fail "-c file not created"
  [ "$(stat -c %a "$WORK/keys/derper.key")" = 600 ] || fail "-c file mode is $(stat -c %a "$WORK/keys/derper.key")"
  expect_grep '"PrivateKey": *"privkey:[0-9a-f]{64}"' "$WORK/keys/derper.key" "key file JSON"
  local k1 k2
  k1=$(probe upgrade "$ADDR" | sed -n 's/^server_key //p')
  stop_relay "$RELAY_PID"
  start_relay r2 -c "$WORK/keys/derper.key"
  k2=$(probe upgrade "$ADDR" | sed -n 's/^server_key //p')
  stop_relay "$RELAY_PID"
  if [ -z "$k1" ] || [ "$k1" != "$k2" ]; then
    fail "server key changed across restarts: $k1 vs $k2"
  fi
}

# derper's --rate-config: applied at start, reloaded on SIGHUP, a bad file
# fatal at start and harmless on reload (the limits stay).
t_rate_config() {
  echo '{"perclientratelimitbytespersec": 100000}' >"$WORK/rate.json"
  start_relay r1 --rate-config "$WORK/rate.json"
  expect_grep 'rate config applied: client-rate=100000 bytes/sec, client-burst=65568 bytes' \
    "$WORK/r1.log" "applied at start (burst raised to one maximal frame)"
  probe exchange "$ADDR" >/dev/null || fail "exchange under a generous limit failed"
  echo '{"PerClientRateLimitBytesPerSec": 5000, "PerClientRateBurstBytes": 1000000}' >"$WORK/rate.json"
  kill -HUP "$RELAY_PID"
  probe wait-log "$WORK/r1.log" "$RELAY_PID" 'rate config reloaded successfully' ||
    fail "SIGHUP did not reload"
  expect_grep 'client-rate=5000 bytes/sec, client-burst=1000000 bytes' "$WORK/r1.log" "reloaded values"
  echo '{"PerClientRateLimitBytesPerSec": -1}' >"$WORK/rate.json"
  kill -HUP "$RELAY_PID"
  probe wait-log "$WORK/r1.log" "$RELAY_PID" 'rate config reload failed' || fail "bad reload not logged"
  expect_grep 'reload failed: error parsing rate config: json: cannot unmarshal number -1 into Go struct field RateConfig.PerClientRateLimitBytesPerSec of type uint64' \
    "$WORK/r1.log" "Go's wording for a negative rate"
  probe exchange "$ADDR" >/dev/null || fail "the relay stopped forwarding after a bad reload"
  stop_relay "$RELAY_PID"
  expect_grep 'rate limit waits [0-9]+' "$WORK/r1.log" "waits counted in the stats"
  # At start a bad file is fatal, naming what is wrong.
  local rc=0
  echo '[1]' >"$WORK/bad.json"
  "$RELAY_BIN" --hostname 127.0.0.1 --certdir "$WORK/certs" -a 127.0.0.1:0 \
    --rate-config "$WORK/bad.json" 2>"$WORK/bad.log" || rc=$?
  [ "$rc" -eq 1 ] || fail "a bad --rate-config exited $rc, want 1"
  expect_grep 'loading rate config: error parsing rate config: json: cannot unmarshal array into Go value of type derpserver.RateConfig' \
    "$WORK/bad.log" "bad file named"
  rc=0
  "$RELAY_BIN" --hostname 127.0.0.1 --certdir "$WORK/certs" -a 127.0.0.1:0 \
    --rate-config "$WORK/missing.json" 2>"$WORK/bad.log" || rc=$?
  [ "$rc" -eq 1 ] || fail "a missing --rate-config exited $rc, want 1"
  expect_grep "error reading rate config: open $WORK/missing.json: No such file or directory" \
    "$WORK/bad.log" "missing file named"
}

t_stun() {
  start_relay r1
  probe stun "$STUN_ADDR" >"$WORK/stun.out" || fail "no STUN answer"
  local mapped local_addr
  mapped=$(sed -n 's/^stun_mapped //p' "$WORK/stun.out")
  local_addr=$(sed -n 's/^stun_local //p' "$WORK/stun.out")
  if [ -z "$mapped" ] || [ "$mapped" != "$local_addr" ]; then
    fail "STUN mapped $mapped, client is $local_addr"
  fi
  stop_relay "$RELAY_PID"
  start_relay r2 --stun=false
  [ -z "$STUN_ADDR" ] || fail "--stun=false still announces STUN at $STUN_ADDR"
  [ "$(wc -l <"$WORK/r2.ready")" -eq 1 ] || fail "--stun=false ready file has more than one line"
  stop_relay "$RELAY_PID"
}

# http_plain HOST:PORT REQUEST: one plain-TCP exchange (bash /dev/tcp, so no
# curl is needed); REQUEST is printf %b text; prints all bytes until close.
http_plain() {
  local hp=$1
  exec 5<>"/dev/tcp/${hp%:*}/${hp##*:}"
  # The peer may close before taking it all (plain HTTP to the TLS port).
  (trap '' PIPE && printf '%b' "$2" >&5) 2>/dev/null || true
  timeout 10 cat <&5 || true
  exec 5<&-
}

t_http_port() {
  start_relay r1 --http-port 0
  local hp
  hp=$(sed -nE 's/.*serving plain HTTP on (127\.0\.0\.1:[0-9]+) .*/\1/p' "$WORK/r1.log")
  [ -n "$hp" ] || fail "no plain HTTP listener logged"
  http_plain "$hp" 'GET /generate_204 HTTP/1.1\r\nHost: x\r\nX-Tailscale-Challenge: ts_abc\r\nConnection: close\r\n\r\n' \
    >"$WORK/p204.out"
  expect_grep '^HTTP/1\.1 204 ' "$WORK/p204.out" "port-80 generate_204"
  expect_grep '^X-Tailscale-Response: response ts_abc' "$WORK/p204.out" "port-80 challenge"
  http_plain "$hp" 'GET /derp?x=1 HTTP/1.1\r\nHost: relay.example\r\nConnection: close\r\n\r\n' >"$WORK/p302.out"
  expect_grep '^HTTP/1\.1 302 Found' "$WORK/p302.out" "port-80 redirect status"
  expect_grep '^Location: https://relay\.example/derp\?x=1' "$WORK/p302.out" "port-80 redirect target"
  expect_grep '^<a href="https://relay\.example/derp\?x=1">Found</a>\.' "$WORK/p302.out" "port-80 redirect body"
  http_plain "$hp" 'POST /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$WORK/p400.out"
  expect_grep '^HTTP/1\.1 400 Bad Request' "$WORK/p400.out" "port-80 POST status"
  expect_grep '^Use HTTPS' "$WORK/p400.out" "port-80 POST body"
  stop_relay "$RELAY_PID"
  # Default: no plain listener at all.
  start_relay r2
  grep -q 'serving plain HTTP' "$WORK/r2.log" && fail "plain HTTP served without --http-port"
  stop_relay "$RELAY_PID"
}

# listen_backlog: every TCP listener keeps the kernel's backlog
# (net.core.somaxconn, as Go's net.Listen), not libevent's default of 128;
# ss shows a listener's backlog as its Send-Q.
listen_backlog_of() {
  ss -ltnH "sport = :${1##*:}" | awk -v want="${1%:*}" '$4 ~ want { print $3; exit }'
}

t_listen_backlog() {
  command -v ss >/dev/null || { echo "SKIP [$TEST]: ss (iproute2) is not installed"; exit 77; }
  local want hp got
  want=$(cat /proc/sys/net/core/somaxconn)
  start_relay r1 --http-port 0
  hp=$(sed -nE 's/.*serving plain HTTP on (127\.0\.0\.1:[0-9]+) .*/\1/p' "$WORK/r1.log")
  [ -n "$hp" ] || fail "no plain HTTP listener logged"
  for addr in "$ADDR" "$hp"; do
    got=$(listen_backlog_of "$addr")
    [ "$got" = "$want" ] || fail "listener $addr: backlog '$got', want net.core.somaxconn $want"
  done
  echo "backlog $want on $ADDR (TLS) and $hp (--http-port)"
  stop_relay "$RELAY_PID"
}

# stalled_stderr: stderr is a FIFO that nobody reads and that is full. The
# relay keeps forwarding, still stops promptly, and every handshake failure
# an outsider causes is either logged or counted in a notice (rate limit or
# dropped lines), never lost silently.
t_stalled_stderr() {
  local refused=600 ready lines suppressed dropped
  mkfifo "$WORK/err.fifo"
  exec 7<>"$WORK/err.fifo" # holds the FIFO open; nobody reads it yet
  "$RELAY_BIN" --hostname 127.0.0.1 --certmode manual --certdir "$WORK/certs" \
    -a 127.0.0.1:0 --ready-file "$WORK/st.ready" 2>"$WORK/err.fifo" &
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  ready=$(probe wait-ready "$WORK/st.ready" "$RELAY_PID" 30000) || fail "relay did not become ready"
  ADDR=$(sed -n 1p <<<"$ready")
  probe fill-pipe "$WORK/err.fifo" >"$WORK/fill.out" || fail "could not fill the stderr FIFO"
  probe refused "$ADDR" --alpn h2 --repeat "$refused" >"$WORK/refused.out" ||
    fail "the relay accepted an ALPN it must refuse"
  probe exchange "$ADDR" >"$WORK/exchange.out" || fail "forwarding stopped while stderr was stalled"
  # Now read the FIFO (to EOF: the relay's end closes when it exits).
  exec 8<"$WORK/err.fifo"
  exec 7>&-
  cat <&8 >"$WORK/st.log" &
  local reader=$!
  PIDS+=("$reader")
  stop_relay "$RELAY_PID"
  [ "$STOP_MS" -lt 3000 ] || fail "shutdown with a stalled stderr took $STOP_MS ms"
  wait "$reader" || true
  forget_pid "$reader"
  exec 8<&-
  lines=$(grep -c 'TLS handshake error from .*unsupported application protocols' "$WORK/st.log" || true)
  suppressed=$(sed -nE 's/.*log: ([0-9]+) peer failure lines suppressed.*/\1/p' "$WORK/st.log" |
    awk '{ n += $1 } END { print n + 0 }')
  dropped=$(sed -nE 's/.*log: ([0-9]+) lines dropped.*/\1/p' "$WORK/st.log" | awk '{ n += $1 } END { print n + 0 }')
  echo "refused $refused: logged $lines, suppressed $suppressed, dropped $dropped"
  [ "$lines" -lt "$refused" ] || fail "all $refused handshake failures logged: no rate limit"
  [ "$((lines + suppressed + dropped))" -ge "$refused" ] ||
    fail "$refused handshake failures, but $lines logged + $suppressed suppressed + $dropped dropped"
  expect_grep 'got SIGTERM, shutting down' "$WORK/st.log" "shutdown logged after the stall"
}

t_sigterm() {
  start_relay r1
  # A connected client in the middle of a handshake and an idle DERP client
  # must not delay the shutdown.
  mkfifo "$WORK/idle.fifo"
  probe idle-handshake "$ADDR" --timeout 20000 >"$WORK/idle.fifo" &
  local bg=$! first
  PIDS+=("$bg")
  exec 4<"$WORK/idle.fifo"
  read -r first <&4 || fail "idle client did not start"
  [ "$first" = upgrade_sent ] || fail "idle client said '$first'"
  probe exchange "$ADDR" >/dev/null || fail "exchange before shutdown failed"
  stop_relay "$RELAY_PID"
  [ "$STOP_MS" -lt 3000 ] || fail "shutdown took $STOP_MS ms"
  cat <&4 >"$WORK/idle.out"
  exec 4<&-
  wait "$bg" || true
  forget_pid "$bg"
  expect_grep '^idle_client closed' "$WORK/idle.out" "client closed by shutdown"
  expect_grep 'got SIGTERM, shutting down' "$WORK/r1.log" "shutdown logged"
  expect_grep 'derp-relay: stats: conns opened [0-9]+ closed [0-9]+; packets received [0-9]+ relayed [0-9]+; mesh: forwarded in [0-9]+ out [0-9]+; dropped: .*forward failed [0-9]+; ' \
    "$WORK/r1.log" "stats logged at shutdown"
}

# ---------------------------------------------------------------------------
# Soak cases (ctest label soak, run by ci/soak.sh; not in ci/test.sh): each
# puts the relay under one kind of pressure beside a measured pair, prints
# `figure NAME VALUE` lines and checks them against the limits below, stated
# once here. Rates are compared with the same pair's unloaded rate measured
# in the same run, so the limits hold on any machine.
SOAK_SECONDS=${SOAK_SECONDS:-8}            # length of each measurement
SOAK_STALLED_MIN_RATIO=0.90                # stalled stderr: >= 90 % of unstalled
SOAK_LOADED_MIN_RATIO=0.10                 # storm/slow receivers: no starvation
SOAK_SLOWLORIS_CONNS=2000
SOAK_CONNECT_MAX_MS=1000                   # a good client's connect + DERP exchange
SOAK_SIGTERM_MAX_MS=1000
SOAK_CHURN_CLIENTS=10000
SOAK_CHURN_RSS_KEEP=0.33                   # after a collapse, <= 1/3 of the peak's growth resident
SOAK_CHURN_REGROW_MAX=1.05                 # second round's peak RSS <= 1.05 x the first's

figure() { echo "figure $1 $2"; }

# check_ratio NAME GOT BASE MIN: GOT/BASE >= MIN, printed either way.
check_ratio() {
  local r
  r=$(awk -v g="$2" -v b="$3" 'BEGIN { printf "%.3f", (b > 0 ? g / b : 0) }')
  figure "$1" "$r"
  awk -v r="$r" -v m="$4" 'BEGIN { exit !(r >= m) }' || fail "$1 $r below the limit $4"
}

rate_of() { sed -nE 's/.*rate ([0-9]+).*/\1/p' "$1"; }

# pair_rate NAME: the measured pair for SOAK_SECONDS; its rate in RATE.
pair_rate() {
  probe pair-rate "$ADDR" --seconds "$SOAK_SECONDS" --size 1000 >"$WORK/$1.rate" ||
    fail "measured pair ($1) lost a packet or its connection"
  RATE=$(rate_of "$WORK/$1.rate")
  figure "$1_packets_per_s" "$RATE"
}

# background CMD...: start a load generator; its PID in BG.
background() {
  "$@" &
  BG=$!
  PIDS+=("$BG")
}

stop_background() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget_pid "$1"
}

t_soak_stalled_stderr() {
  local ready reader
  mkfifo "$WORK/err.fifo"
  exec 7<>"$WORK/err.fifo"
  "$RELAY_BIN" --hostname 127.0.0.1 --certmode manual --certdir "$WORK/certs" \
    -a 127.0.0.1:0 --ready-file "$WORK/st.ready" 2>"$WORK/err.fifo" 7>&- &
  RELAY_PID=$!
  PIDS+=("$RELAY_PID")
  exec 8<"$WORK/err.fifo"
  # Readers must not hold the FIFO's write end (fd 7), or they never see EOF.
  cat <&8 >"$WORK/st.log" 7>&- &
  reader=$!
  PIDS+=("$reader")
  ready=$(probe wait-ready "$WORK/st.ready" "$RELAY_PID" 30000) || fail "relay did not become ready"
  ADDR=$(sed -n 1p <<<"$ready")
  # An outsider causes handshake failures all along; the pair is measured
  # unstalled and stalled in turns (so drift on a shared machine cancels),
  # the last stall long enough for the log buffer to fill and drop; the
  # stalled mean is compared with the unstalled mean.
  background probe refused "$ADDR" --alpn h2 --repeat 1000000 --seconds $((SOAK_SECONDS * 8))
  local storm=$BG u=0 nu=0 st=0 ns=0 round
  for round in 1 2 3; do
    pair_rate "unstalled_$round"
    u=$((u + RATE)) nu=$((nu + 1))
    stop_background "$reader"
    probe fill-pipe "$WORK/err.fifo" >/dev/null || fail "could not fill the stderr FIFO"
    pair_rate "stalled_$round"
    st=$((st + RATE)) ns=$((ns + 1))
    if ((round == 3)); then
      pair_rate stalled_dropping # the buffer is full by now: lines are dropped
      st=$((st + RATE)) ns=$((ns + 1))
    fi
    cat <&8 >>"$WORK/st.log" 7>&- &
    reader=$!
    PIDS+=("$reader")
  done
  stop_background "$storm"
  check_ratio stalled_over_unstalled "$((st / ns))" "$((u / nu))" "$SOAK_STALLED_MIN_RATIO"
  # Stop, and read what the log says it lost.
  exec 7>&-
  stop_relay "$RELAY_PID"
  wait "$reader" || true
  forget_pid "$reader"
  exec 8<&-
  local dropped
  dropped=$(sed -nE 's/.*log: ([0-9]+) lines dropped.*/\1/p' "$WORK/st.log" | awk '{ n += $1 } END { print n + 0 }')
  figure log_lines_dropped "$dropped"
  [ "$dropped" -gt 0 ] || fail "stderr stalled, yet no 'lines dropped' notice in the log"
  echo "PASS stalled stderr: pair at >= $SOAK_STALLED_MIN_RATIO of its unstalled rate, $dropped lines dropped and said so"
}

t_soak_storm() {
  start_relay r1
  pair_rate quiet
  local base=$RATE a b
  background probe refused "$ADDR" --alpn h2 --repeat 1000000 --seconds "$SOAK_SECONDS"
  a=$BG
  background probe slowloris "$ADDR" --repeat 200 --seconds "$SOAK_SECONDS"
  b=$BG
  pair_rate storm # exits non-zero on any lost packet
  stop_background "$a"
  stop_background "$b"
  check_ratio storm_over_quiet "$RATE" "$base" "$SOAK_LOADED_MIN_RATIO"
  probe exchange "$ADDR" >/dev/null || fail "relay not serving after the storm"
  stop_relay "$RELAY_PID"
  echo "PASS storm: every packet of the measured pair delivered beside the storm"
}

t_soak_slowloris() {
  start_relay r1
  background probe slowloris "$ADDR" --repeat "$SOAK_SLOWLORIS_CONNS" --seconds "$((SOAK_SECONDS + 4))"
  local lor=$BG worst=0 t0 ms i
  # The first exchanges may run before all idle connections are open; the
  # worst of them all counts.
  for i in $(seq 1 20); do
    t0=$(date +%s%N)
    probe exchange "$ADDR" >/dev/null || fail "good client failed beside $SOAK_SLOWLORIS_CONNS idle connections"
    ms=$((($(date +%s%N) - t0) / 1000000))
    ((ms > worst)) && worst=$ms
  done
  figure slowloris_fds "$(ls /proc/"$RELAY_PID"/fd | wc -l)"
  figure good_connect_exchange_worst_ms "$worst"
  wait "$lor" || fail "slowloris could not open its connections"
  forget_pid "$lor"
  ((worst <= SOAK_CONNECT_MAX_MS)) || fail "good client took $worst ms (limit $SOAK_CONNECT_MAX_MS)"
  stop_relay "$RELAY_PID"
  echo "PASS slowloris: 20 good clients, worst $worst ms, beside $SOAK_SLOWLORIS_CONNS idle connections"
}

t_soak_slow_receivers() {
  start_relay r1 --tcp-write-timeout 1s
  pair_rate quiet
  local base=$RATE never slow
  background probe slow-reader "$ADDR"
  never=$BG
  background probe slow-reader "$ADDR" --repeat 200 --rcvbuf 4096
  slow=$BG
  pair_rate beside_slow_receivers
  wait "$never" || fail "the never-reading receiver was not cut, or its bystanders suffered"
  forget_pid "$never"
  wait "$slow" || fail "the slow receiver's bystanders suffered"
  forget_pid "$slow"
  check_ratio beside_slow_over_quiet "$RATE" "$base" "$SOAK_LOADED_MIN_RATIO"
  stop_relay "$RELAY_PID"
  grep -q 'closed: send queue full' "$WORK/r1.log" && fail "a receiver was cut for its queue"
  echo "PASS slow receivers: cut only by the write timeout, the measured pair unaffected"
}

# 10 000 clients connect and send one packet each, then all reset at once,
# twice: the relay's fds come back to the idle count, most memory is given
# back, the second round reuses the first's (no growth), and it still serves.
# Under sanitizers the allocator quarantines freed memory, so RSS is reported
# but not limited there; LeakSanitizer checks for leaks at the relay's exit.
t_soak_churn() {
  start_relay r1
  local keep=$SOAK_CHURN_RSS_KEEP
  [ "${SOAK_SANITIZED:-OFF}" = ON ] && keep=-1
  probe churn "$ADDR" --repeat "$SOAK_CHURN_CLIENTS" --pid "$RELAY_PID" --fast-start \
    --rss-keep "$keep" >"$WORK/churn.out" || fail "churn: fds or memory not back, or a client failed"
  cat "$WORK/churn.out"
  local base peak1 peak2 after2
  base=$(sed -nE 's/^base_fds [0-9]+ base_rss_kib ([0-9]+).*/\1/p' "$WORK/churn.out")
  peak1=$(sed -nE 's/^round 1 .* peak_rss_kib ([0-9]+) .*/\1/p' "$WORK/churn.out")
  peak2=$(sed -nE 's/^round 2 .* peak_rss_kib ([0-9]+) .*/\1/p' "$WORK/churn.out")
  after2=$(sed -nE 's/^round 2 .* after_rss_kib ([0-9]+) .*/\1/p' "$WORK/churn.out")
  figure churn_kib_per_client "$(awk -v p="$peak1" -v b="$base" -v n="$SOAK_CHURN_CLIENTS" 'BEGIN { printf "%.1f", (p - b) / n }')"
  figure churn_rss_kept_share "$(awk -v a="$after2" -v p="$peak2" -v b="$base" 'BEGIN { printf "%.3f", (a - b) / (p - b) }')"
  if [ "$keep" = -1 ]; then
    echo "churn: RSS limits not applied under sanitizers (quarantine); LeakSanitizer checks at exit"
  else
    check_ratio churn_first_peak_over_second "$peak1" "$peak2" "$(awk -v m="$SOAK_CHURN_REGROW_MAX" 'BEGIN { printf "%.4f", 1 / m }')"
  fi
  stop_relay "$RELAY_PID"
  expect_grep "conns opened $((2 * SOAK_CHURN_CLIENTS + 4)) closed $((2 * SOAK_CHURN_CLIENTS + 4));" \
    "$WORK/r1.log" "every churned connection counted"
  echo "PASS churn: 2 x $SOAK_CHURN_CLIENTS clients connected, sent and reset; fds back, memory reused and given back"
}

t_soak_sigterm_under_load() {
  start_relay r1
  background probe refused "$ADDR" --alpn h2 --repeat 1000000 --seconds 30
  local storm=$BG pair
  background probe pair-rate "$ADDR" --seconds 30 --size 1000
  pair=$BG
  probe exchange "$ADDR" >/dev/null || fail "no exchange under load"
  stop_relay "$RELAY_PID"
  figure sigterm_exit_ms "$STOP_MS"
  stop_background "$storm"
  stop_background "$pair"
  ((STOP_MS <= SOAK_SIGTERM_MAX_MS)) || fail "exit took $STOP_MS ms under load (limit $SOAK_SIGTERM_MAX_MS)"
  echo "PASS sigterm under load: exit 0 in $STOP_MS ms"
}

fn="t_${TEST}"
declare -F "$fn" >/dev/null || fail "unknown test $TEST"
"$fn"
echo "PASS [$TEST]"
