#!/bin/sh
# fake-peer-client.sh: a registry client peer for the runner's own tests,
# installed by selftest.sh as <peers dir>/<name>@<version>/client (a
# symlink). It takes the reference client's command line, as the real
# peers do, and answers from the table in $DERPCHECK_FAKE_ANSWERS through
# fake-client.sh, keyed by its own column name ("fake@v1") instead of the
# profile it is judged by.
set -eu
me=$(basename "$(dirname "$0")")
here=$(dirname "$(readlink -f "$0")")
mode=$1
shift
ready=''
while [ $# -gt 0 ]; do
  case $1 in
    --json) shift ;;
    --ready-file) ready=$2; shift 2 ;;
    --derpmap|--region|--profile|--key-file|--peer|--packet-hex|--timeout-ms|--ca-file) shift 2 ;;
    *) echo "fake-peer-client.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -n "$ready" ]; then
  exec "$here/fake-client.sh" --answers "$DERPCHECK_FAKE_ANSWERS" --profile "$me" --mode "$mode" --ready-file "$ready"
fi
exec "$here/fake-client.sh" --answers "$DERPCHECK_FAKE_ANSWERS" --profile "$me" --mode "$mode"
