#!/usr/bin/env bash
# derp-client integration tests on loopback: one case per run.
#
#   client_integration.sh CASE
#
# Environment: CLIENT_BIN (derp-client), CERTS_BIN (it_certs), WAIT_BIN
# (it_wait_file), RELAY_BIN (derp-relay; relay_* cases only).
#
# Servers: `openssl s_server` presenting [leaf], [leaf, metacert], ...
# (ready when it prints its ACCEPT line), and derp-relay (ready when its
# --ready-file appears). Every server is
# stopped by its PID on exit, also on failure. No sleeps: readiness comes
# from the servers, waits are bounded.
set -u

CASE=${1:?usage: client_integration.sh CASE}
: "${CLIENT_BIN:?}" "${CERTS_BIN:?}" "${WAIT_BIN:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

WORK=$(mktemp -d "${TMPDIR:-/tmp}/client-it.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

FAILS=0
fail() { echo "FAIL [$CASE]: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok   [$CASE]: $*"; }

# ---- servers ---------------------------------------------------------------

certs_made=no
make_certs() {
  [ $certs_made = yes ] && return
  "$CERTS_BIN" "$WORK" || { echo "it_certs failed" >&2; exit 1; }
  certs_made=yes
}

# start_s_server NAME TLSMIN TLSMAX: serve $WORK/NAME.pem; sets PORT.
start_s_server() {
  make_certs
  local name=$1 min=$2 max=$3 leaf=$WORK/$1.leaf.pem rest=$WORK/$1.rest.pem
  : > "$rest"
  awk -v leaf="$leaf" -v rest="$rest" '
    /-----BEGIN CERTIFICATE-----/ { n++ }
    n == 1 { print > leaf }
    n > 1 { print > rest }' "$WORK/$name.pem"
  local chain=()
  [ -s "$rest" ] && chain=(-cert_chain "$rest")
  local fifo=$WORK/s_server.$name.fifo
  rm -f "$fifo" && mkfifo "$fifo"
  openssl s_server -accept 127.0.0.1:0 -cert "$leaf" -key "$WORK/$name.key" "${chain[@]}" \
    -min_protocol "TLSv$min" -max_protocol "TLSv$max" -www -num_tickets 0 \
    > "$fifo" 2> "$WORK/s_server.$name.err" &
  PIDS+=("$!")
  exec 3< "$fifo"
  PORT=''
  local line
  while IFS= read -r -t 10 line <&3; do
    case $line in "ACCEPT "*) PORT=${line##*:}; break ;; esac
  done
  cat <&3 > /dev/null &  # keep draining its stdout
  PIDS+=("$!")
  exec 3<&-
  [ -n "$PORT" ] || { echo "s_server did not report ACCEPT" >&2; cat "$WORK/s_server.$name.err" >&2; exit 1; }
}

# start_relay [relay flags]: a derp-relay generating its own IP certificate;
# sets PORT, STUN_PORT, SNIPPET (the pasted-as-is DERPMap line), HASH.
start_relay() {
  : "${RELAY_BIN:?RELAY_BIN is needed for relay cases}"
  local dir=$WORK/relay.$#.$RANDOM
  mkdir -p "$dir"
  "$RELAY_BIN" -a 127.0.0.1:0 --hostname 127.0.0.1 --certmode manual --certdir "$dir/certs" \
    -c "$dir/relay.key" --stun-port 0 --ready-file "$dir/ready" "$@" 2> "$dir/log" &
  local pid=$!
  PIDS+=("$pid")
  local ready
  ready=$("$WAIT_BIN" "$dir/ready" "$pid" 10000) || {
    echo "relay not ready" >&2; cat "$dir/log" >&2; exit 1; }
  PORT=$(printf '%s\n' "$ready" | sed -n '1s/.*://p')
  STUN_PORT=$(printf '%s\n' "$ready" | sed -n 's/^stun .*://p')
  SNIPPET=$(grep -m1 '^  {"Name"' "$dir/log")
  HASH=$(printf '%s' "$SNIPPET" | sed -n 's/.*"sha256-raw:\([0-9a-f]*\)".*/\1/p')
  RELAY_LOG=$dir/log
  [ -n "$PORT" ] && [ -n "$HASH" ] || { echo "bad ready file or snippet" >&2; cat "$dir/log" >&2; exit 1; }
}

# ---- the client --------------------------------------------------------------

# client ARGS...: runs derp-client; OUT = last stdout line, RC = exit status.
client() {
  "$CLIENT_BIN" "$@" > "$WORK/client.out" 2> "$WORK/client.err"
  RC=$?
  OUT=$(tail -n 1 "$WORK/client.out")
  no_sanitizer_report "$WORK/client.err" "derp-client $1"
}

# A sanitizer report fails the case whatever the exit status (ASan exits 1,
# which is also "check failed").
no_sanitizer_report() {
  if grep -q -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$1"; then
    fail "$2: sanitizer report: $(head -c 2000 "$1")"
  fi
}

# jget EXPR: a field of $OUT, e.g. jget result, jget 'report["Errors"]'.
jget() {
  "$PY" -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = None if v is None else v[int(k)] if isinstance(v, list) else v.get(k)
print("null" if v is None else (json.dumps(v) if isinstance(v,(list,dict,bool)) else v))' "$OUT" "$1"
}

expect_rc() { [ "$RC" = "$1" ] && pass "$2: exit $1" || fail "$2: exit $RC, want $1; out: $OUT; err: $(head -c 400 "$WORK/client.err")"; }
expect_field() {
  local got
  got=$(jget "$1")
  [ "$got" = "$2" ] && pass "$3: $1 = $2" || fail "$3: $1 = '$got', want '$2'"
}
expect_contains() {
  local got
  got=$(jget "$1")
  case $got in *"$2"*) pass "$3: $1 contains '$2'" ;; *) fail "$3: $1 = '$got', want it to contain '$2'" ;; esac
}

node_pin() { echo "HostName=127.0.0.1,DERPPort=$PORT,CertName=sha256-raw:$1${STUN_PORT:+,STUNPort=$STUN_PORT}"; }

# connect_tls PROFILE NODE: the TLS layer alone against s_server.
connect_tls() { client connect --node "$2" --profile "$1" --tls-only --json; }

# ---- cases -----------------------------------------------------------------

# The verdicts are the scenarios' (pin::two-certs through the openssl relay);
# what only this case sees is s_server's log of the alert our refusal sends.
case_openssl_bad_certificate_alert() {
  start_s_server leaf_meta 1.3 1.3
  local node; node=$(node_pin "$(cat "$WORK/leaf_meta.sha256")")
  connect_tls current "$node"
  expect_field chain.1.metacert true "current [leaf, metacert]: the JSON marks the metacert"
  connect_tls tailscale-1.82 "$node"
  expect_rc 1 "1.82 [leaf, metacert]"
  # the s_server side saw our bad_certificate alert, as a Go client sends
  grep -q -i 'bad certificate' "$WORK/s_server.leaf_meta.err" &&
    pass "server logged the bad_certificate alert" || fail "no alert in s_server's log: $(cat "$WORK/s_server.leaf_meta.err")"
}

# Pass and unknown-authority are the scenarios' (pin::ca-certname*); left
# here: a CA-path name mismatch and an unreadable --ca-file.
case_openssl_ca_path_errors() {
  start_s_server ca_leaf_meta 1.3 1.3
  client connect --node "HostName=127.0.0.1,DERPPort=$PORT,CertName=other.test" --tls-only \
    --ca-file "$WORK/ca.pem" --json
  expect_field reason "x509: certificate is valid for derp.test, not other.test" "wrong CertName"
  client connect --node "HostName=127.0.0.1,DERPPort=$PORT" --tls-only --ca-file /nonexistent --json
  expect_rc 2 "unreadable --ca-file is a usage error"
}

case_openssl_ca_expired() {
  start_s_server expired_meta 1.3 1.3
  local after; after=$(date -u -d "$(sed 's/ +0000 UTC/ UTC/' "$WORK/expired_meta.not_after")" +%Y-%m-%dT%H:%M:%SZ)
  client connect --node "HostName=127.0.0.1,DERPPort=$PORT" --tls-only --json
  expect_rc 1 "CA path, expired"
  expect_contains reason "x509: certificate has expired or is not yet valid: current time " "CA path, expired"
  expect_contains reason " is after $after" "CA path, expired"
}

case_openssl_legacy() {
  start_s_server leaf_meta 1.3 1.3
  local hash; hash=$(cat "$WORK/leaf_meta.sha256")
  client connect --node "$(node_pin "$hash")" --profile debug-legacy --tls-only --json
  expect_rc 1 "debug-legacy TLS config"
  expect_field reason "tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match sha256-raw:$hash" "debug-legacy TLS config"
  client connect --node "HostName=127.0.0.1,DERPPort=$PORT" --profile debug-legacy --tls-only --json
  expect_field reason "tls: failed to verify certificate: x509: certificate signed by unknown authority" "debug-legacy without CertName"
}

case_openssl_probe_not_derp() {
  start_s_server leaf 1.3 1.3
  client probe --node "HostName=127.0.0.1,DERPPort=$PORT,CertName=sha256-raw:$(cat "$WORK/leaf.sha256"),STUNPort=-1" --json
  expect_rc 1 "probe of a TLS server that is not a relay"
  expect_contains report.Errors.0 "Error connecting to node \"127.0.0.1\" @ try 0: derphttp.Client.Connect connect to region 900 (): GET failed: <nil>: <HTML><BODY BGCOLOR=\"#ffffff\">" "probe of a TLS server that is not a relay"
  expect_contains Diagnosis "something other than 101 Switching Protocols" "probe of a TLS server that is not a relay"
}

case_relay_snippet() {
  start_relay
  client connect --snippet "$SNIPPET" --timeout 2s --json
  expect_rc 1 "snippet without DERPPort dials 443 (not the relay)"
  client connect --derpmap "$(printf '%s' "$SNIPPET" | sed "s/}\$/,\"DERPPort\":$PORT}/")" --json
  expect_rc 0 "snippet pasted with DERPPort added"
  expect_field path fast "snippet pasted with DERPPort added"
  local map=$WORK/map.json
  printf '{"Regions":{"900":{"RegionID":900,"RegionCode":"custom","Nodes":[{"Name":"custom","RegionID":900,"HostName":"127.0.0.1","CertName":"sha256-raw:%s","DERPPort":%s}]}}}' "$HASH" "$PORT" > "$map"
  client connect --derpmap "$map" --region custom --json
  expect_rc 0 "DERPMap file, region by code"
  client connect --derpmap "$map" --region 901 --json
  expect_rc 2 "unknown region"
  expect_field reason 'no such region "901" in DERP map' "unknown region"
}

# relay::packet-relay asserts send, recv, the packet and its sender; the
# timeout of a recv that gets nothing is the client's own.
case_relay_recv_timeout() {
  start_relay
  local node; node=$(node_pin "$HASH")
  client recv --node "$node" --timeout-ms 300 --json
  expect_rc 1 "recv with nothing sent"
  expect_field reason "no packet received within 300 ms" "recv with nothing sent"
}

# probe::self-signed-ip asserts the passing probe (Info lines, no Errors)
# and, by substring, the debug-legacy failure; the diagnoses are checked here.
case_relay_probe_diagnosis() {
  start_relay
  client probe --node "$(node_pin "$HASH")" --profile debug-legacy --json
  expect_rc 1 "probe, debug-legacy"
  expect_field reason "Error upgrading connection to node \"127.0.0.1\" @ \"127.0.0.1:$PORT\" to TLS over IPv4: tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match sha256-raw:$HASH" "probe, debug-legacy"
  expect_contains Diagnosis "before 1.100" "probe, debug-legacy"
  expect_contains Diagnosis "the relay is fine" "probe, debug-legacy"
  client probe --node "$(node_pin 00"$HASH")" --snippet "$SNIPPET" --json
  expect_rc 1 "probe, wrong pin"
  expect_contains Diagnosis "the relay's snippet says $HASH" "probe, wrong pin"
  client probe --node "$(node_pin "$HASH")" --profile tailscale-1.82 --json
  # the probe's TLS check runs the profile's pin rules, so 1.82 stops there
  expect_contains report.Errors "to TLS over IPv4: unexpected multiple certs presented" "probe, 1.82"
  expect_contains Diagnosis "server presented 2 certificates (leaf + metacert); clients 1.82.x reject this" "probe, 1.82"
}

# The tailnet policy file as self-hosters keep it (HuJSON), its derpMap
# pointing at the relay; and a broken one named by file, line and column.
case_policy_file() {
  start_relay
  local pol=$WORK/policy.hujson
  cat > "$pol" <<POLICY
// Example/default ACLs for unrestricted connections.
{
  // Declare static groups of users.
  "groups": {"group:admin": ["alice@example.com",],},
  "acls": [
    {"action": "accept", "src": ["*"], "dst": ["*:*"]}, // everything
  ],
  /* our own relay: https://tailscale.com/kb/1118/custom-derp-servers */
  "derpMap": {
    "OmitDefaultRegions": true,
    "Regions": {
      "900": {
        "RegionID": 900, "RegionCode": "home", "RegionName": "Home",
        "Nodes": [
          {"Name": "900a", "RegionID": 900, "HostName": "127.0.0.1",
           "CertName": "sha256-raw:$HASH", "DERPPort": $PORT,}, // the snippet's node
        ],
      },
    },
  },
}
POLICY
  client connect --policy-file "$pol" --region home --json
  expect_rc 0 "policy file, region by code"
  expect_field path fast "policy file, region by code"
  sed -i 's|"RegionName": "Home",|"RegionName": "Home"|' "$pol"
  client connect --policy-file "$pol" --region home --json
  expect_rc 2 "policy file with a syntax error"
  expect_field reason "$pol:14:9: invalid character '\"' after object key:value pair" "policy file with a syntax error"
  client connect --policy-file "$pol" --derpmap "$pol" --json
  expect_rc 2 "policy file and derpmap"
}

case_exit_codes() {
  client connect --json
  expect_rc 2 "no relay given"
  client connect --node "HostName=127.0.0.1,DERPPort=x" --json
  expect_rc 2 "malformed node"
  expect_contains reason "DERPPort" "malformed node names the field"
  printf '{"Regions":{"1":{"Nodes":[{"HostName":5}]}}}' > "$WORK/bad.json"
  client connect --derpmap "$WORK/bad.json" --json
  expect_rc 2 "malformed DERPMap"
  expect_contains reason "HostName" "malformed DERPMap names the field"
  # a port nobody listens on: bind one, learn it, close it
  local port; port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  client connect --node "HostName=127.0.0.1,DERPPort=$port,CertName=sha256-raw:00" --json
  expect_rc 1 "connection refused"
  expect_field reason "dial tcp 127.0.0.1:$port: connect: connection refused" "connection refused"
  client probe --node "HostName=127.0.0.1,DERPPort=$port,CertName=sha256-raw:00,STUNPort=-1" --json
  expect_rc 1 "probe, connection refused"
  expect_contains Diagnosis "nothing is listening on 127.0.0.1:$port" "probe, connection refused"
}

fn=case_$CASE
declare -F "$fn" > /dev/null || { echo "unknown case $CASE" >&2; exit 2; }
"$fn"
[ $FAILS -eq 0 ] || { echo "$FAILS check(s) failed in $CASE" >&2; exit 1; }
echo "all checks passed in $CASE"
