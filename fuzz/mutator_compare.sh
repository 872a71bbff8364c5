#!/usr/bin/env bash
# fuzz/mutator_compare.sh: what the structure-aware certificate mutator adds
# over plain byte mutation, in the same time on the same start.
#
# Usage: fuzz/mutator_compare.sh TARGET [--time SECONDS] [--seed N] [--from seeds|corpus]
#                                [--build-dir DIR]
#
#   TARGET       a target built with the custom mutator: pin_verify, cert_fields, metacert
#   --time       seconds of fuzzing for each side (default 600)
#   --seed       libFuzzer -seed, the same for both sides (default 1)
#   --from       seeds: start from the generator's named seeds in corpus/TARGET
#                (default; campaign inputs, named by their sha1, left out, so
#                there is room to find something); corpus: the whole committed
#                corpus and its regressions
#   --build-dir  libFuzzer build (default build/fuzz-libfuzzer, configured from
#                the fuzz-libfuzzer preset if missing)
#
# Both sides run at once, one process each (so give it two idle cores), from
# copies of the same start corpus in /dev/shm when there is one, with the
# target's dictionary and max_len: "plain" with DERP_FUZZ_PLAIN=1 (the custom
# mutator hands every input to libFuzzer's byte mutation), "custom" as
# built. Prints each side's final edges (cov), features (ft), corpus size
# and exec/s from libFuzzer's last status line.
# Exit status: 0 done, 2 usage, 3 build failure, 4 a side did not finish.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
secs=600 seed=1 from=seeds build_dir=$ROOT/build/fuzz-libfuzzer target=""
while (($#)); do
  case "$1" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --time) secs=${2:?--time needs seconds}; shift ;;
    --seed) seed=${2:?--seed needs a number}; shift ;;
    --from) from=${2:?--from needs seeds or corpus}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    -*) echo "mutator_compare: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$target" ] || { echo "mutator_compare: one target only" >&2; exit 2; }; target=$1 ;;
  esac
  shift
done
case "$target" in
  pin_verify|cert_fields|metacert) ;;
  "") echo "mutator_compare: name a target (see --help)" >&2; exit 2 ;;
  *) echo "mutator_compare: $target has no custom mutator (pin_verify, cert_fields, metacert)" >&2; exit 2 ;;
esac
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "mutator_compare: --time wants whole seconds" >&2; exit 2; }
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "mutator_compare: --seed wants a number" >&2; exit 2; }
[[ "$from" == seeds || "$from" == corpus ]] || { echo "mutator_compare: --from seeds or corpus" >&2; exit 2; }

mkdir -p "$build_dir"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  (cd "$ROOT" && cmake --preset fuzz-libfuzzer -B "$build_dir" >"$build_dir/compare-configure.log" 2>&1) ||
    { tail -20 "$build_dir/compare-configure.log" >&2; echo "mutator_compare: configure failed" >&2; exit 3; }
fi
cmake --build "$build_dir" -j2 --target "fuzz_$target" >"$build_dir/compare-build.log" 2>&1 ||
  { tail -30 "$build_dir/compare-build.log" >&2; echo "mutator_compare: build failed" >&2; exit 3; }
bin=$build_dir/fuzz/$target
[ -x "$bin" ] || { echo "mutator_compare: no $bin" >&2; exit 3; }

work=$ROOT/build/mutator-compare
if [ -d /dev/shm ] && [ -w /dev/shm ]; then work=/dev/shm/derpcheck-compare-$(id -u); fi
rm -rf "$work" && mkdir -p "$work/start"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
for f in "$ROOT/corpus/$target"/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  if [ "$from" = seeds ] && [[ "$name" =~ ^[0-9a-f]{40}$ ]]; then continue; fi
  cp "$f" "$work/start/"
done
if [ "$from" = corpus ] && [ -d "$ROOT/corpus/regressions/$target" ]; then
  find "$ROOT/corpus/regressions/$target" -maxdepth 1 -type f ! -name '.*' -exec cp -t "$work/start" {} +
fi
args=(-max_total_time="$secs" -seed="$seed" -print_final_stats=1 -artifact_prefix="$work/")
[ -f "$ROOT/fuzz/$target.dict" ] && args+=(-dict="$ROOT/fuzz/$target.dict")
max_len=$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/\1/p' "$ROOT/fuzz/$target.options" 2>/dev/null || true)
[ -n "$max_len" ] && args+=(-max_len="$max_len")

echo "mutator_compare: $target, ${secs}s each, seed $seed, from $from ($(ls "$work/start" | wc -l) inputs), plain and custom at once"
for side in plain custom; do
  mkdir -p "$work/$side"
  if [ "$side" = plain ]; then
    DERP_FUZZ_PLAIN=1 "$bin" "${args[@]}" "$work/$side" "$work/start" >"$work/$side.log" 2>&1 &
  else
    env -u DERP_FUZZ_PLAIN "$bin" "${args[@]}" "$work/$side" "$work/start" >"$work/$side.log" 2>&1 &
  fi
done
wait # each side's own end is judged from its log below
status=0
printf '%-8s %8s %8s %8s %9s\n' side edges features corpus exec/s
for side in plain custom; do
  last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|REDUCE|NEW|pulse)' "$work/$side.log" | tail -1 || true)
  if ! grep -q '^Done [0-9]* runs' "$work/$side.log"; then
    echo "mutator_compare: the $side side did not finish; its log's end:" >&2
    tail -5 "$work/$side.log" >&2
    status=4
    continue
  fi
  field() { sed -n "s|.* $1: \([0-9]*\).*|\1|p" <<<"$last"; }
  printf '%-8s %8s %8s %8s %9s\n' "$side" "$(field cov)" "$(field ft)" "$(field corp)" "$(field exec/s)"
done
((status == 0)) || exit 4
