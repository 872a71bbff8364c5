#!/usr/bin/env bash
# Set up, build and run every test. Default: the gcc build, then the same suite
# under ASan+UBSan. Options:
#   --quick      gcc build only (no sanitizer pass)
#   --asan       sanitizer build only
#   --clang      clang build only
#   -- ARGS      passed to ctest (e.g. -- -L unit, -- -R pin_verify)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(default asan)
ctest_args=()
while (($#)); do
  case "$1" in
    --quick) presets=(default) ;;
    --asan) presets=(asan) ;;
    --clang) presets=(clang) ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

summaries=()
for preset in "${presets[@]}"; do
  echo "== ci/test.sh: preset '$preset'"
  ci/setup.sh --preset "$preset"
  log="build/$preset/ctest-output.log"
  status=0
  (cd "build/$preset" && ctest --output-on-failure -j "$(nproc)" --timeout 300 --no-label-summary -LE soak \
      --output-junit "junit-$preset.xml" ${ctest_args[@]+"${ctest_args[@]}"}) 2>&1 | tee "$log" || status=$?
  summaries+=("== ci/test.sh summary, preset '$preset':" "$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1)")
  if ((status != 0)); then
    printf '%s\n' "${summaries[@]}"
    exit "$status"
  fi
done
# The last line is ctest's own summary line of the last pass.
printf '%s\n' "${summaries[@]}"
