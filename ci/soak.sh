#!/usr/bin/env bash
# ci/soak.sh: derp-relay under pressure (ctest label soak): stalled stderr,
# a handshake storm, slowloris, slow receivers, 10 000-client churn and
# SIGTERM under load, each beside a measured pair; figures and limits in
# reference/tests/relay_integration/relay_integration.sh. Default: the gcc
# build, then ASan+UBSan. Options:
#   --quick      gcc build only
#   --asan       sanitizer build only
#   --seconds S  length of each measurement (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(default asan)
while (($#)); do
  case "$1" in
    --quick) presets=(default) ;;
    --asan) presets=(asan) ;;
    --seconds) export SOAK_SECONDS="${2:?--seconds needs a number}"; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

start=$(date +%s)
for preset in "${presets[@]}"; do
  echo "== ci/soak.sh: preset '$preset'"
  ci/setup.sh --preset "$preset"
  log="build/$preset/soak-output.log"
  status=0
  (cd "build/$preset" && ctest -L soak -V --timeout 300) >"$log" 2>&1 || status=$?
  grep -E '^[0-9]+: (figure|PASS|FAIL)|tests passed|\(Failed\)' "$log" || true
  if ((status != 0)); then
    echo "soak.sh: preset '$preset' failed; the whole output is in $log" >&2
    exit 1
  fi
done
echo "== ci/soak.sh: done in $(($(date +%s) - start)) s"
