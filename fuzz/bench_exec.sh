#!/usr/bin/env bash
# fuzz/bench_exec.sh: libFuzzer executions per second of each target on one
# core, with the floor beside it measured in the same run.
#
# Usage: fuzz/bench_exec.sh [--time SECONDS] [--build-dir DIR] [--cpu N] [--corpus-at REV] [TARGET...]
#
#   --time       seconds of fuzzing per target (default 20)
#   --build-dir  libFuzzer build (default build/fuzz-libfuzzer: clang, ASan+UBSan;
#                configured from the fuzz-libfuzzer preset if missing)
#   --cpu N      pin each run to CPU N with taskset (default: no pinning)
#   --corpus-at REV  fuzz from the corpora as committed at git revision REV
#                (e.g. the commit a baseline was measured at): a target's rate
#                depends on the inputs it starts from, and campaigns grow
#                corpora with slow, deep inputs; this compares code on the
#                same inputs
#   TARGET...    default: every target the build has (fuzz/targets.txt)
#
# Beside each rate: "before", the figure fuzz/bench_exec.baseline.tsv holds
# for the target (committed: the rates before fuzzing mode and the buffer
# work, measured the same way), and "last", this machine's previous run of
# this script (build/bench-exec/history.tsv, where every run is appended
# with its date and commit).
#
# Each target fuzzes a scratch copy of corpus/TARGET + corpus/regressions/TARGET
# (in /dev/shm when there is one: libFuzzer writes every new input to the
# corpus directory, and on a busy ext4 creating those files took a quarter
# of a run's time, which is the disk's speed, not the target's)
# with its dictionary and max_len, one process, -seed=1 (a target's rate
# depends on the lengths of the inputs its mutations reach, so a fixed seed
# keeps runs comparable); exec/s = executed units / wall time. The floor column is for the certificate targets: how many of the same
# inputs per second d2i_X509 alone gets through (bench_d2i), since OpenSSL
# 3.0's certificate decode, not our code, bounds those targets.
# Exit status: 0, 2 usage, 3 build failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=20 build_dir=$ROOT/build/fuzz-libfuzzer cpu="" corpus_rev="" targets=()
while (($#)); do
  case "$1" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --time) secs=${2:?--time needs seconds}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --cpu) cpu=${2:?--cpu needs a CPU number}; shift ;;
    --corpus-at) corpus_rev=${2:?--corpus-at needs a git revision}; shift ;;
    -*) echo "bench_exec: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "bench_exec: --time wants whole seconds" >&2; exit 2; }
pin=()
if [ -n "$cpu" ]; then pin=(taskset -c "$cpu"); fi

mkdir -p "$build_dir"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  (cd "$ROOT" && cmake --preset fuzz-libfuzzer -B "$build_dir" >"$build_dir/bench-configure.log" 2>&1) ||
    { tail -20 "$build_dir/bench-configure.log" >&2; echo "bench_exec: configure failed" >&2; exit 3; }
fi
cmake --build "$build_dir" -j2 --target fuzz_targets fuzz_bench_d2i >"$build_dir/bench-build.log" 2>&1 ||
  { tail -30 "$build_dir/bench-build.log" >&2; echo "bench_exec: build failed" >&2; exit 3; }
((${#targets[@]})) || mapfile -t targets <"$build_dir/fuzz/targets.txt"

scratch=$ROOT/build/bench-exec
mkdir -p "$scratch"
history=$scratch/history.tsv
runs=$scratch
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  runs=/dev/shm/derpcheck-bench-$(id -u)
  mkdir -p "$runs"
  trap 'rm -rf "$runs"' EXIT
fi
baseline=$ROOT/fuzz/bench_exec.baseline.tsv
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# figure_of FILE TARGET: the last rate recorded for TARGET (column 2 or 4)
figure_of() {
  [ -f "$1" ] || { echo -; return; }
  awk -F'\t' -v t="$2" '$0 !~ /^#/ && ($1 == t || $3 == t) { r = ($1 == t) ? $2 : $4 } END { print (r == "" ? "-" : r) }' "$1"
}
printf '%-20s %9s %9s %9s %14s %10s   %s\n' target exec/s before last "floor inputs/s" "% of floor" \
  "floor: d2i_X509/s over the same inputs"
for t in "${targets[@]}"; do
  bin=$build_dir/fuzz/$t
  [ -x "$bin" ] || { echo "bench_exec: no binary for $t in $build_dir" >&2; continue; }
  work=$runs/$t
  base=${t%_fast} # a fast variant shares its target's corpus, dictionary, options
  rm -rf "$work" && mkdir -p "$work/corpus"
  corpus_root=$ROOT/corpus
  if [ -n "$corpus_rev" ]; then
    corpus_root=$work/at-rev/corpus
    mkdir -p "$work/at-rev"
    git -C "$ROOT" archive "$corpus_rev" corpus/"$base" corpus/regressions/"$base" 2>/dev/null |
      tar -x -C "$work/at-rev" 2>/dev/null || true
  fi
  find "$corpus_root/$base" "$corpus_root/regressions/$base" -maxdepth 1 -type f ! -name '.*' \
    -exec cp -t "$work/corpus" {} + 2>/dev/null || true
  args=(-max_total_time="$secs" -seed=1 -print_final_stats=1 -artifact_prefix="$work/")
  [ -f "$ROOT/fuzz/$base.dict" ] && args+=(-dict="$ROOT/fuzz/$base.dict")
  max_len=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' "$ROOT/fuzz/$base.options" 2>/dev/null || true)
  [ -n "$max_len" ] && args+=(-max_len="$max_len")
  start=$(date +%s.%N)
  "${pin[@]}" "$bin" "${args[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || true
  end=$(date +%s.%N)
  cp "$work/fuzz.log" "$scratch/$t.fuzz.log"
  units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
  rate=$(awk -v u="${units:-0}" -v a="$start" -v b="$end" 'BEGIN{printf "%.0f", u / (b - a)}')
  floor="-" share="-" note=""
  case "$base" in
    cert_fields|metacert|pin_verify)
      line=$("${pin[@]}" "$build_dir/fuzz/bench_d2i" "$base" "$secs" "$corpus_root/$base" 2>&1 || true)
      floor=$(sed -n 's/.*, \([0-9]*\)\/s inputs$/\1/p' <<<"$line")
      note=$(sed -n 's/.*, \([0-9]*\/s d2i_X509\),.*/\1/p' <<<"$line")
      if [ -n "$floor" ] && ((floor > 0)); then
        share=$(awk -v r="$rate" -v f="$floor" 'BEGIN{printf "%.0f%%", 100 * r / f}')
      fi ;;
  esac
  grep -q 'ERROR: libFuzzer\|==== oracle mismatch' "$work/fuzz.log" && note="$note (run hit a crash: see build/bench-exec/$t.fuzz.log)"
  before=$(figure_of "$baseline" "$t")
  last=$(figure_of "$history" "$t")
  printf '%-20s %9s %9s %9s %14s %10s   %s\n' "$t" "$rate" "$before" "$last" "${floor:--}" "$share" "$note"
  printf '%s\t%s\t%s\t%s\t%s\n' "$stamp" "$commit" "$t" "$rate" "$secs" >>"$history"
done
