#!/usr/bin/env bash
# fuzz/gen_corpus.sh: regenerate the seed corpora under corpus/ from code.
#
# Usage: fuzz/gen_corpus.sh [--build-dir DIR | --generator BIN] [--check] [TARGET]
#        fuzz/gen_corpus.sh [--build-dir DIR] --from-records DIR
#
#   TARGET        only this target's seeds (default: every target but
#                 tls_client_handshake, whose recorded server flights differ
#                 on every run and are rewritten only when named here)
#   --build-dir   where to build the generator (default build/gen-corpus, gcc)
#   --generator   a gen_corpus binary already built (ctest's tools.gen_corpus_check
#                 passes its build's); nothing is configured or built
#   --check       write into a scratch directory and fail if corpus/ differs
#                 from what the generator makes, or holds a named seed the
#                 generator does not make (a CI guard for hand edits; campaign
#                 inputs, named by their sha1, and rec-* seeds from records
#                 are not the generator's and are left out)
#   --from-records DIR
#                 seeds from real conversations instead: every .rec under DIR
#                 (derpcheck run --record DIR) becomes rec-<hash> seeds of
#                 relay_core, client_session and http_head (fuzz/record_seeds.c)
#
# The generator (fuzz/gen_corpus*.c) is deterministic: certificates from the
# harness factory with a fixed seed and clock, DERP boxes from fuzz_keys.h.
# It rewrites the files it names and leaves others alone, so inputs merged in
# by fuzz/campaign.sh (named by their sha1) survive a regeneration.
# Exit status: 0 done, 1 generator or --check failure, 2 usage, 3 build failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$ROOT/build/gen-corpus
check=0
generator=""
target=""
records=""
while (($#)); do
  case "$1" in
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift ;;
    --check) check=1 ;;
    --generator) generator=${2:?--generator needs a gen_corpus binary}; shift ;;
    --from-records) records=${2:?--from-records needs a directory}; shift ;;
    -*) echo "gen_corpus.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) target=$1 ;;
  esac
  shift
done

if ((check)) && [ "$target" = tls_client_handshake ]; then
  echo "gen_corpus.sh: tls_client_handshake is recorded anew on every run; --check cannot compare it" >&2
  exit 2
fi

if [ -n "$generator" ]; then
  [ -x "$generator" ] || { echo "gen_corpus.sh: --generator: $generator is not an executable" >&2; exit 2; }
  [ -z "$records" ] || { echo "gen_corpus.sh: --from-records builds its own tool; drop --generator" >&2; exit 2; }
else
  mkdir -p "$build_dir"
  # (re)configured every time: quick when cached, and new targets appear
  cmake -S "$ROOT" -B "$build_dir" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir/gen-configure.log" 2>&1 ||
    { tail -20 "$build_dir/gen-configure.log" >&2; echo "gen_corpus.sh: configure failed" >&2; exit 3; }
  cmake --build "$build_dir" -j2 --target fuzz_gen_corpus fuzz_record_seeds >"$build_dir/gen-build.log" 2>&1 ||
    { tail -30 "$build_dir/gen-build.log" >&2; echo "gen_corpus.sh: build failed" >&2; exit 3; }
  generator=$build_dir/fuzz/gen_corpus
fi

if [ -n "$records" ]; then
  [ -d "$records" ] || { echo "gen_corpus.sh: --from-records: no directory $records" >&2; exit 2; }
  mapfile -t recs < <(find "$records" -name '*.rec' -type f | sort)
  ((${#recs[@]})) || { echo "gen_corpus.sh: no .rec files under $records" >&2; exit 1; }
  "$build_dir/fuzz/record_seeds" "$ROOT/corpus" "${recs[@]}"
  echo "gen_corpus.sh: seeds from ${#recs[@]} records written as corpus/*/rec-*"
  exit 0
fi

if ((check)); then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  "$generator" "$scratch" ${target:+"$target"} >/dev/null
  status=0
  checked=0
  for dir in "$scratch"/*/; do
    t=$(basename "$dir")
    for f in "$dir"*; do
      checked=$((checked + 1))
      if ! cmp -s "$f" "$ROOT/corpus/$t/$(basename "$f")"; then
        echo "gen_corpus.sh: corpus/$t/$(basename "$f") differs from the generator's" >&2
        status=1
      fi
    done
    for f in "$ROOT/corpus/$t"/*; do
      b=$(basename "$f")
      [[ "$b" =~ ^[0-9a-f]{40}$ || "$b" == rec-* ]] && continue
      if [ ! -e "$dir$b" ]; then
        echo "gen_corpus.sh: corpus/$t/$b is not made by the generator (a hand edit? add it to fuzz/gen_corpus*.c)" >&2
        status=1
      fi
    done
  done
  ((checked > 0)) || { echo "gen_corpus.sh: the generator made no seeds" >&2; exit 1; }
  ((status == 0)) && echo "gen_corpus.sh: corpus/ matches the generator"
  exit "$status"
fi
exec "$generator" "$ROOT/corpus" ${target:+"$target"}
