#!/usr/bin/env bash
# fuzz/campaign.sh: run one fuzzing campaign on one target, then keep what it found.
#
# Usage: fuzz/campaign.sh TARGET [--engine libfuzzer|afl] [--time DURATION] [--jobs N]
#                        [--coverage] [--build-dir DIR] [--no-merge] [--help]
#
#   TARGET        a fuzz target (fuzz/TARGET.c), e.g. pin_verify, relay_core
#   --engine      libfuzzer (default) or afl
#   --time        wall-clock budget: 90 (seconds), 30s, 10m, 1h (default 10m)
#   --jobs N      parallel workers: libFuzzer -fork=N, AFL++ one main + N-1 secondaries
#                 (default 1; this machine has 2 cores shared with others)
#   --coverage    afterwards, build the fuzz-coverage preset and print an llvm-cov
#                 report of corpus/TARGET + corpus/regressions/TARGET (HTML too)
#   --build-dir   engine build directory (default: the preset's, build/fuzz-libfuzzer
#                 or build/fuzz-afl); configured with the preset if missing
#   --no-merge    do not touch corpus/ (crashes are still reported)
#
# What it does:
#   1. configures/builds the engine preset (fuzz-libfuzzer or fuzz-afl) for TARGET;
#   2. fuzzes from corpus/TARGET + corpus/regressions/TARGET with fuzz/TARGET.dict,
#      printing a progress line every 30 s, and stops by itself at the time limit;
#   3. deduplicates the crashes by their signature (first sanitizer or oracle
#      line), minimises one per signature (libFuzzer -minimize_crash / afl-tmin),
#      skips those already stored, and stores new ones as
#      corpus/regressions/TARGET/crash-<sha1>, with a line in
#      corpus/regressions/README.md giving the reproducer command;
#   4. merges inputs that reach new code into corpus/TARGET (libFuzzer -merge=1
#      on edges only, or afl-cmin for AFL++), named by their sha1.
# Work files go to build/campaign/TARGET-ENGINE-<time>/.
#
# Exit status: 0 campaign done, no new crash; 1 new crashes stored in
# corpus/regressions/TARGET (the fuzz-replay tests fail until they are fixed);
# 2 usage error; 3 build failed; 4 the engine failed to run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROGRESS_EVERY=30

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "campaign: $1" >&2; exit "${2:-2}"; }
say() { echo "campaign: $*"; }
rel() { echo "${1#"$ROOT"/}"; }

target="" engine=libfuzzer duration=10m jobs=1 coverage=0 build_dir="" merge=1
while (($#)); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --engine) engine=${2:?--engine needs libfuzzer or afl}; shift ;;
    --time) duration=${2:?--time needs a duration}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --coverage) coverage=1 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --no-merge) merge=0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$target" ] || die "one target only (got '$target' and '$1')"; target=$1 ;;
  esac
  shift
done
[ -n "$target" ] || { usage >&2; exit 2; }
[[ "$target" =~ ^[a-z0-9_]+$ ]] || die "a target name is lowercase letters, digits and _ (got '$target')"
grep -Eq "^derp_fuzz_target\\(${target}( |\\)|$)" "$ROOT/fuzz/CMakeLists.txt" ||
  die "no such fuzz target: $target (see derp_fuzz_target() in fuzz/CMakeLists.txt)"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive integer, not '$jobs'"
case "$duration" in
  *[0-9]s) secs=${duration%s} ;;
  *[0-9]m) secs=$((${duration%m} * 60)) ;;
  *[0-9]h) secs=$((${duration%h} * 3600)) ;;
  *) secs=$duration ;;
esac
if ! [[ "$secs" =~ ^[0-9]+$ ]] || ((secs == 0)); then
  die "--time wants e.g. 90, 30s, 10m or 1h, not '$duration'"
fi
case "$engine" in
  libfuzzer) preset=fuzz-libfuzzer ;;
  afl) preset=fuzz-afl
       command -v afl-fuzz >/dev/null || die "afl-fuzz not found (apt-get install afl++)" 3 ;;
  *) die "--engine is libfuzzer or afl, not '$engine'" ;;
esac
build_dir=${build_dir:-$ROOT/build/$preset}

seeds=$ROOT/corpus/$target
regressions=$ROOT/corpus/regressions/$target
dict=$ROOT/fuzz/$target.dict
max_len=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' "$ROOT/fuzz/$target.options" 2>/dev/null || true)
mkdir -p "$seeds" "$regressions"
work=$ROOT/build/campaign/$target-$engine-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$work/corpus" "$work/artifacts"
say "target $target, engine $engine, ${secs}s, $jobs job(s); work dir $(rel "$work")"

# ---- 1. build ----
build_target() { # dir preset cmake-target
  mkdir -p "$1"
  # Campaigns started side by side share the build directory: they build
  # one at a time (two makes writing the same archive broke a build).
  (
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if [ ! -f "$1/CMakeCache.txt" ]; then
      (cd "$ROOT" && cmake --preset "$2" -B "$1" >"$work/configure-$2.log" 2>&1) ||
        { tail -20 "$work/configure-$2.log" >&2; die "configuring preset $2 failed (log: $work/configure-$2.log)" 3; }
    fi
    cmake --build "$1" -j2 --target "$3" >"$work/build-$2.log" 2>&1 ||
      { tail -30 "$work/build-$2.log" >&2; die "building $3 in $1 failed (log: $work/build-$2.log)" 3; }
  ) 9>"$1/.campaign-build.lock" || exit $?
}
build_target "$build_dir" "$preset" "fuzz_$target"
bin=$build_dir/fuzz/$target
[ -x "$bin" ] || die "$bin was not built (is its module there? see the configure log)" 3
# Crashes are classified by replaying them: through the replay twin where the
# engine has one (AFL++ builds), which copies each input into an exact-size
# buffer as ctest does, so the report names the same bug.
replay=$bin
if [ "$engine" = afl ]; then
  build_target "$build_dir" "$preset" "fuzz_${target}_replay"
  replay=$build_dir/fuzz/${target}_replay
fi
# The certificate targets' structure-aware mutator, as an AFL++ custom
# mutator library (libAFLDriver never calls the target's own); built with the
# host compiler, since afl-fuzz loads it. DERP_FUZZ_PLAIN=1 leaves it out.
afl_mutator=""
case "${target%_fast}" in
  pin_verify) layout=PIN ;;
  cert_fields) layout=WHOLE ;;
  metacert) layout=METACERT ;;
  *) layout="" ;;
esac
if [ "$engine" = afl ] && [ -n "$layout" ] && [ -z "${DERP_FUZZ_PLAIN:-}" ]; then
  afl_mutator=$work/afl_cert_mutator.so
  "${HOST_CC:-cc}" -O2 -shared -fPIC -I"$ROOT/reference/include" -I"$ROOT/fuzz" \
    -DAFL_CERT_LAYOUT="CERT_LAYOUT_$layout" "$ROOT"/fuzz/{afl_cert_mutator,der_mutate,fuzz_inputs}.c \
    "$ROOT"/reference/src/base/{byte_cursor,hex}.c "$ROOT/reference/src/trust/pin_hex.c" -lcrypto \
    -o "$afl_mutator" >"$work/build-mutator.log" 2>&1 ||
    { tail -20 "$work/build-mutator.log" >&2; die "building the AFL++ certificate mutator failed" 3; }
  say "AFL++ custom mutator: $(rel "$afl_mutator") (layout $layout)"
fi

# ---- 2. fuzz ----
start=$(date +%s)
progress() { # pid statusfn: a status line every PROGRESS_EVERY seconds while pid runs
  local last=$start
  while kill -0 "$1" 2>/dev/null; do
    sleep 1
    if (($(date +%s) - last >= PROGRESS_EVERY)) && kill -0 "$1" 2>/dev/null; then
      last=$(date +%s)
      say "[$((last - start))s/${secs}s] $($2)"
    fi
  done
}
# Copy seeds into the campaign corpus: the engines write there, never into corpus/.
find "$seeds" "$regressions" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$work/corpus" {} +

if [ "$engine" = libfuzzer ]; then
  args=(-max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$work/artifacts/"
        -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  [ -f "$dict" ] && args+=(-dict="$dict")
  [ -n "$max_len" ] && args+=(-max_len="$max_len")
  lf_status() { { grep -aE '^#[0-9]+' "$work/fuzz.log" || true; } | tail -1 | cut -c1-150; }
  timeout --kill-after=30 $((secs + 120)) "$bin" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 &
  pid=$!
  progress "$pid" lf_status
  rc=0; wait "$pid" || rc=$?
  say "final: $(lf_status)"
  # libFuzzer exits non-zero after crashes even in fork mode; only "no run at all" is an engine failure.
  grep -aq 'INFO: Seed:' "$work/fuzz.log" || { tail -20 "$work/fuzz.log" >&2; die "libFuzzer did not start (rc $rc)" 4; }
  mapfile -t crashes < <(find "$work/artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
                           -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
else
  # AFL_SKIP_CRASHES: a known crash in corpus/regressions must not stop the campaign.
  # AFL_NO_AFFINITY: the machine is shared; binding to a "free" core fails when none is.
  export AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1 AFL_SKIP_CRASHES=1
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=0:detect_leaks=0}
  [ -z "$afl_mutator" ] || export AFL_CUSTOM_MUTATOR_LIBRARY=$afl_mutator
  [ -n "$(ls -A "$work/corpus")" ] || printf 'x' >"$work/corpus/empty-seed"
  afl_args=(-i "$work/corpus" -o "$work/afl" -V "$secs" -t 5000+)
  [ -f "$dict" ] && afl_args+=(-x "$dict")
  pids=()
  for ((j = 0; j < jobs; j++)); do
    role=(-M main); ((j == 0)) || role=(-S "sec$j")
    timeout --kill-after=30 $((secs + 120)) afl-fuzz "${afl_args[@]}" "${role[@]}" -- "$bin" \
      >"$work/afl-$j.log" 2>&1 &
    pids+=($!)
  done
  afl_status() {
    local execs=0 paths=0 found=0 rate=0 f
    for f in "$work"/afl/*/fuzzer_stats; do
      [ -f "$f" ] || continue
      execs=$((execs + $(awk -F: '/^execs_done/{print $2+0}' "$f")))
      paths=$((paths + $(awk -F: '/^corpus_count/{print $2+0}' "$f")))
      found=$((found + $(awk -F: '/^saved_crashes/{print $2+0}' "$f")))
      rate=$((rate + $(awk -F: '/^execs_per_sec/{v = $2 + 0; if (v > 1e9) v = 0; printf "%.0f", v}' "$f")))
    done
    echo "execs $execs, ${rate}/s, corpus $paths, crashes $found"
  }
  progress "${pids[0]}" afl_status
  for p in "${pids[@]}"; do wait "$p" || true; done
  ls "$work"/afl/*/fuzzer_stats >/dev/null 2>&1 || { tail -20 "$work/afl-0.log" >&2; die "afl-fuzz did not start" 4; }
  say "final: $(afl_status)"
  mapfile -t crashes < <(find "$work"/afl/*/crashes -type f -name 'id:*' 2>/dev/null | sort)
fi

# ---- 3. crashes: minimise, deduplicate, store ----
signature() { # replay a file, name the crash by its first report line
  local out
  out=$(ASAN_OPTIONS=symbolize=1:detect_leaks=1 "$replay" "$1" 2>&1 </dev/null || true)
  printf '%s\n' "$out" | grep -aoE '==== oracle mismatch: .*|SUMMARY: [A-Za-z]+Sanitizer: [^(]*|ERROR: libFuzzer: [a-z -]+|runtime error: .*' \
    | head -1 | sed "s|$ROOT/||g" | cut -c1-160
}
new=0
if ((${#crashes[@]})); then
  say "${#crashes[@]} crash input(s); minimising and deduplicating"
  mkdir -p "$work/minimised"
  declare -A seen=()
  for f in "${crashes[@]}"; do
    # Deduplicate on the raw input first: minimising is the slow part.
    sig=$(signature "$f")
    [ -n "$sig" ] || sig="unclassified crash"
    [ -z "${seen[$sig]:-}" ] || continue
    seen[$sig]=1
    m=$work/minimised/$(basename "$f" | tr ':,' '__')
    if [ "$engine" = libfuzzer ] && [[ "$(basename "$f")" == crash-* ]]; then
      "$bin" -minimize_crash=1 -runs=20000 -max_total_time=30 -exact_artifact_path="$m" "$f" >"$work/minimise.log" 2>&1 || true
    elif [ "$engine" = afl ]; then
      # The AFL++ driver reads stdin when given "-" (it rejects @@ under tmin/cmin).
      afl-tmin -i "$f" -o "$m" -- "$bin" - >"$work/minimise.log" 2>&1 || true
    fi
    # Keep the minimised input only if it still crashes the same way.
    if [ ! -s "$m" ] || [ "$(signature "$m")" != "$sig" ]; then cp "$f" "$m"; fi
    sha=$(sha1sum "$m" | cut -d' ' -f1)
    dest=$regressions/crash-$sha
    if [ -e "$dest" ]; then say "known: $(rel "$dest") ($sig)"; continue; fi
    if ((merge)); then
      cp "$m" "$dest"
      # shellcheck disable=SC2016 # the backquotes are Markdown
      printf -- '- `%s/crash-%s` (%s, %s): %s. Reproduce: `cmake --preset asan && cmake --build --preset asan --target fuzz_%s && build/asan/fuzz/%s corpus/regressions/%s/crash-%s`\n' \
        "$target" "$sha" "$engine" "$(date -u +%Y-%m-%d)" "$sig" "$target" "$target" "$target" "$sha" \
        >>"$ROOT/corpus/regressions/README.md"
      say "NEW crash: $(rel "$dest"): $sig"
    else
      say "NEW crash (not stored, --no-merge): $m: $sig"
    fi
    new=$((new + 1))
  done
fi

# ---- 4. merge new coverage into the seed corpus ----
if ((merge)); then
  before=$(find "$seeds" -maxdepth 1 -type f ! -name '.*' | wc -l)
  if [ "$engine" = libfuzzer ]; then
    # Edges only (-use_counters=0): an input joins the corpus for new code
    # reached, not for new hit counts, which keeps corpus/ at tens of files.
    "$bin" -merge=1 -use_counters=0 -use_value_profile=0 ${max_len:+-max_len=$max_len} "$seeds" "$work/corpus" \
      >"$work/merge.log" 2>&1 ||
      say "merge failed (see $(rel "$work")/merge.log); corpus unchanged"
  else
    pool=$work/cmin-in; mkdir -p "$pool"
    find "$seeds" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$pool" {} +
    find "$work"/afl/*/queue -maxdepth 1 -type f -name 'id:*' -exec cp -t "$pool" {} + 2>/dev/null || true
    if AFL_ALLOW_TMP=1 afl-cmin -i "$pool" -o "$work/cmin-out" -- "$bin" - >"$work/merge.log" 2>&1; then
      declare -A have=()
      while read -r h _; do have[$h]=1; done < <(find "$seeds" -maxdepth 1 -type f -exec sha1sum {} +)
      for f in "$work"/cmin-out/*; do
        h=$(sha1sum "$f" | cut -d' ' -f1)
        [ -n "${have[$h]:-}" ] || cp "$f" "$seeds/$h"
      done
    else
      say "afl-cmin failed (see $(rel "$work")/merge.log); corpus unchanged"
    fi
  fi
  after=$(find "$seeds" -maxdepth 1 -type f ! -name '.*' | wc -l)
  say "corpus/$target: $before -> $after inputs"
fi

# ---- coverage report ----
if ((coverage)); then
  if ! command -v llvm-profdata-14 >/dev/null || ! command -v llvm-cov-14 >/dev/null; then
    die "llvm-profdata-14/llvm-cov-14 not found (apt-get install llvm-14)" 3
  fi
  cov_dir=$ROOT/build/fuzz-coverage
  build_target "$cov_dir" fuzz-coverage "fuzz_$target"
  rm -f "$work"/cov-*.profraw
  LLVM_PROFILE_FILE="$work/cov-%p.profraw" "$cov_dir/fuzz/$target" "$seeds" "$regressions" >"$work/coverage-run.log" 2>&1 ||
    say "coverage replay reported a failure (see $(rel "$work")/coverage-run.log)"
  llvm-profdata-14 merge -sparse "$work"/cov-*.profraw -o "$work/coverage.profdata"
  srcs=("$ROOT/reference/src" "$ROOT/reference/include")
  llvm-cov-14 report "$cov_dir/fuzz/$target" -instr-profile="$work/coverage.profdata" "${srcs[@]}"
  llvm-cov-14 show "$cov_dir/fuzz/$target" -instr-profile="$work/coverage.profdata" -format=html \
    -output-dir="$work/coverage" "${srcs[@]}" >/dev/null
  say "coverage report: $(rel "$work")/coverage/index.html"
fi

if ((new)); then
  say "$new new crash(es) stored in corpus/regressions/$target (fuzz-replay.$target fails until fixed)"
  exit 1
fi
say "done, no new crash"
