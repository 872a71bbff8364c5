#!/bin/sh
# fake-client.sh: a scripted client for the runner's own tests. It answers
# from a table instead of connecting, so each runner rule (verdicts, lies,
# silence, crashes, background readiness) can be exercised on purpose.
#
# usage: fake-client.sh --answers FILE --profile P --mode M [--ready-file F] [--rotate]
# FILE lines: "<profile>[/<mode>] <exit code> <stdout line...>"; the first
# line matching profile/mode (or profile alone) wins. With --ready-file the
# file is written (temp + rename) before answering, as a connected
# background client would. With --rotate the line used moves to the end of
# FILE, so the next run of the same profile gets the next answer (a client
# that is not steady: --repeat's flaky cells).
set -eu
answers='' profile='' mode='' ready='' rotate=''
while [ $# -gt 0 ]; do
  case $1 in
    --rotate) rotate=1; shift; continue ;;
    --answers) answers=$2 ;;
    --profile) profile=$2 ;;
    --mode) mode=$2 ;;
    --ready-file) ready=$2 ;;
    *) echo "fake-client.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
line=$(grep -m1 -e "^$profile/$mode " "$answers" || grep -m1 -e "^$profile " "$answers" || true)
[ -n "$line" ] || { echo "fake-client.sh: no answer for $profile/$mode" >&2; exit 2; }
if [ -n "$rotate" ]; then
  { grep -vxF -e "$line" "$answers" || true; printf '%s\n' "$line"; } > "$answers.tmp"
  mv "$answers.tmp" "$answers"
fi
if [ -n "$ready" ]; then
  printf 'connected\n' > "$ready.tmp" && mv "$ready.tmp" "$ready"
fi
rest=${line#* }
code=${rest%% *}
out=${rest#* }
[ "$out" = "-" ] || printf '%s\n' "$out"
echo "fake-client.sh: answered $profile/$mode with exit $code" >&2
exit "$code"
