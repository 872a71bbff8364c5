#!/usr/bin/env bash
# ci/oss-fuzz/check-build.sh: run ci/oss-fuzz/build.sh the way OSS-Fuzz does,
# on this machine's packages (no Docker, no downloads), then check the result
# the way OSS-Fuzz's check_build does.
#
# Usage: ci/oss-fuzz/check-build.sh [--config NAME]... [--out DIR] [--help]
#
#   --config   libfuzzer-address, afl-address, libfuzzer-undefined (default: all three)
#   --out      scratch root (default build/oss-fuzz-check); per config it holds
#              src/ (a link to this checkout), work-NAME/ and out-NAME/ ($OUT)
#
# Environment per config, as OSS-Fuzz's base-clang/base-builder set it:
#   CFLAGS = -O1 -fno-omit-frame-pointer -gline-tables-only
#            -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION + the sanitizer's flags
#            (+ -fsanitize=fuzzer-no-link for libFuzzer); CXXFLAGS the same
#            (OSS-Fuzz adds -stdlib=libc++; Debian 12 has no libc++-dev, so not here)
#   libFuzzer: CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
#   AFL++:     CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=<libAFLDriver.a>
#
# Checks, per target: the binary, <t>_seed_corpus.zip, <t>.dict and
# <t>.options are in $OUT; libFuzzer binaries run `-seed=1337 -runs=4` cleanly
# and have at least 100 instrumented edges; AFL++ binaries run under afl-fuzz
# for a few seconds on their unzipped seeds without "crashed"/"terminated".
# Exit status: 0 all good, 1 a check failed, 2 usage, 3 build.sh failed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ALL_CONFIGS=(libfuzzer-address afl-address libfuzzer-undefined)
BASE_CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
# shellcheck disable=SC2034 # SAN_<sanitizer> are read through ${!san_var}
SAN_address="-fsanitize=address -fsanitize-address-use-after-scope"
UBSAN_CHECKS="array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr"
# shellcheck disable=SC2034
SAN_undefined="-fsanitize=$UBSAN_CHECKS,unsigned-integer-overflow -fno-sanitize-recover=$UBSAN_CHECKS"
AFL_DRIVER=/usr/lib/afl/libAFLDriver.a
MIN_EDGES=100

configs=() out_root=$ROOT/build/oss-fuzz-check
while (($#)); do
  case "$1" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --config) configs+=("${2:?--config needs a name}"); shift ;;
    --out) out_root=${2:?--out needs a directory}; shift ;;
    *) echo "check-build: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#configs[@]})) || configs=("${ALL_CONFIGS[@]}")
for c in "${configs[@]}"; do
  case "$c" in libfuzzer-address|afl-address|libfuzzer-undefined) ;;
    *) echo "check-build: unknown config '$c' (one of: ${ALL_CONFIGS[*]})" >&2; exit 2 ;;
  esac
done

mkdir -p "$out_root/src"
out_root=$(cd "$out_root" && pwd)
ln -sfn "$ROOT" "$out_root/src/derpcheck"
failures=0
fail() { echo "check-build: FAIL: $*" >&2; failures=$((failures + 1)); }

for config in "${configs[@]}"; do
  engine=${config%%-*} sanitizer=${config#*-}
  san_var=SAN_$sanitizer
  export SRC=$out_root/src WORK=$out_root/work-$config OUT=$out_root/out-$config
  export SANITIZER=$sanitizer FUZZING_ENGINE=$engine ARCHITECTURE=x86_64
  export CFLAGS="$BASE_CFLAGS ${!san_var}"
  if [ "$engine" = libfuzzer ]; then
    export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
    CFLAGS="$CFLAGS -fsanitize=fuzzer-no-link"
  else
    [ -f "$AFL_DRIVER" ] || { fail "$AFL_DRIVER missing (apt-get install afl++)"; continue; }
    export CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=$AFL_DRIVER
  fi
  export CXXFLAGS=$CFLAGS
  rm -rf "$WORK" "$OUT"
  mkdir -p "$WORK" "$OUT"
  echo "== check-build: $config (CC=$CC, LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE)"
  if ! bash "$ROOT/ci/oss-fuzz/build.sh" >"$WORK/build.log" 2>&1; then
    tail -30 "$WORK/build.log" >&2
    echo "check-build: build.sh failed for $config (log: $WORK/build.log)" >&2
    exit 3
  fi
  tail -1 "$WORK/build.log"

  # OSS-Fuzz's runtime options, so reports look like they would there.
  export ASAN_OPTIONS=alloc_dealloc_mismatch=0:allocator_may_return_null=1:detect_leaks=1:detect_stack_use_after_return=1:symbolize=1
  export UBSAN_OPTIONS=print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1
  while read -r t; do
    [ -n "$t" ] || continue
    for f in "$t" "${t}_seed_corpus.zip" "$t.dict" "$t.options"; do
      [ -s "$OUT/$f" ] || fail "$config: \$OUT/$f missing or empty"
    done
    log=$WORK/run-$t.log
    if [ "$engine" = libfuzzer ]; then
      if ! "$OUT/$t" -seed=1337 -runs=4 -dict="$OUT/$t.dict" >"$log" 2>&1; then
        tail -15 "$log" >&2; fail "$config: $t -runs=4 failed"; continue
      fi
      edges=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
      if [ -z "$edges" ] || ((edges < MIN_EDGES)); then fail "$config: $t has ${edges:-no} instrumented edges"; fi
      echo "   ok  $t  (${edges} edges, -runs=4)"
    else
      seeds=$WORK/seeds-$t
      rm -rf "$seeds" "$WORK/afl-$t" && mkdir -p "$seeds"
      unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$seeds"
      [ -n "$(ls -A "$seeds")" ] || printf 'x' >"$seeds/dummy"
      AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=30000 \
        AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=1:symbolize=0:detect_leaks=0" \
        timeout 60 afl-fuzz -i "$seeds" -o "$WORK/afl-$t" -V 3 -x "$OUT/$t.dict" -- "$OUT/$t" >"$log" 2>&1 || true
      if grep -qE 'target binary (crashed|terminated)|PROGRAM ABORT' "$log" || [ ! -f "$WORK/afl-$t/default/fuzzer_stats" ]; then
        grep -E 'PROGRAM ABORT|crashed|terminated' "$log" | head -3 >&2
        fail "$config: $t does not run under afl-fuzz"; continue
      fi
      execs=$(awk -F: '/^execs_done/{print $2+0}' "$WORK/afl-$t/default/fuzzer_stats")
      echo "   ok  $t  ($execs execs in 3 s under afl-fuzz)"
    fi
  done <"$WORK/derpcheck-build/fuzz/targets.txt"
done

if ((failures)); then
  echo "check-build: $failures check(s) failed" >&2
  exit 1
fi
echo "check-build: all configs passed (${configs[*]})"
