#!/usr/bin/env bash
# fuzz/coverage.sh: how much of reference/src (and of the other files fuzz
# targets drive: derp-relay's configuration parsers, both programs' flag
# parsers, derpcheck's scenario loader and its report diff) the committed
# corpora reach.
# Builds the fuzz-coverage preset (clang source-based coverage, replay
# driver), replays every target's corpus/<t> and corpus/regressions/<t>,
# merges the profiles of all targets and prints llvm-cov's per-file line,
# branch and function coverage of those files, the total last; an HTML
# report goes beside the profile.
#
# usage: fuzz/coverage.sh [--build-dir DIR] [--target T]... [-h|--help]
#   --build-dir  the coverage build (default build/fuzz-coverage)
#   --target     only these targets (repeatable; default: every target built)
# Needs clang and llvm-14 (ci/setup.sh installs both). Exit 0 with a report,
# 1 when a replay failed, 2 on usage, 3 when the tools are missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
build="$ROOT/build/fuzz-coverage"
targets=()
while (($#)); do
  case "$1" in
    --build-dir) build=${2:?--build-dir needs a directory}; shift ;;
    --target) targets+=("${2:?--target needs a name}"); shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "coverage.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in clang llvm-profdata-14 llvm-cov-14; do
  command -v "$tool" >/dev/null || { echo "coverage.sh: $tool not found (ci/setup.sh installs clang and llvm-14)" >&2; exit 3; }
done

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$build" --preset fuzz-coverage >/dev/null
fi
cmake --build "$build" -j "$(nproc)" >/dev/null
list="$build/fuzz/targets.txt"
if ((${#targets[@]} == 0)); then
  [ -s "$list" ] || { echo "coverage.sh: no $list (was the fuzz directory built?)" >&2; exit 2; }
  mapfile -t targets < "$list"
fi

prof="$build/coverage"
rm -rf "$prof"
mkdir -p "$prof/raw"
objects=()
status=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  [ -x "$bin" ] || { echo "coverage.sh: no target $t in $build/fuzz" >&2; exit 2; }
  base=${t%_fast} # a fast variant replays its target's corpus
  dirs=("$ROOT/corpus/$base")
  [ -d "$ROOT/corpus/regressions/$base" ] && dirs+=("$ROOT/corpus/regressions/$base")
  if ! LLVM_PROFILE_FILE="$prof/raw/$t-%p.profraw" "$bin" "${dirs[@]}" >"$prof/$t.log" 2>&1; then
    echo "coverage.sh: replaying $t failed (see $prof/$t.log)" >&2
    status=1
  fi
  objects+=(-object "$bin")
done
llvm-profdata-14 merge -sparse "$prof"/raw/*.profraw -o "$prof/all.profdata"
# the first -object is positional for llvm-cov
first=${objects[1]}
rest=("${objects[@]:2}")
srcs=("$ROOT/reference/src")
for f in relay_rateconfig relay_allowlist relay_hostport relay_mesh_peers; do
  srcs+=("$ROOT/reference/derp-relay/$f.c")
done
for f in scenario scenario_validate json_get; do
  srcs+=("$ROOT/conformance/src/$f.c")
done
srcs+=("$ROOT/harness/src/report_diff.c" "$ROOT/reference/derp-relay/relay_flags.c"
  "$ROOT/reference/derp-client/client_flags.c")
llvm-cov-14 report "$first" "${rest[@]}" -instr-profile="$prof/all.profdata" \
  -show-region-summary=false "${srcs[@]}" | sed "s|$ROOT/||"
llvm-cov-14 show "$first" "${rest[@]}" -instr-profile="$prof/all.profdata" -format=html \
  -output-dir="$prof/html" "${srcs[@]}" >/dev/null
echo "coverage.sh: ${#targets[@]} targets; HTML report: ${prof#$ROOT/}/html/index.html"
exit "$status"
