#!/usr/bin/env bash
# mutate.sh: mutation testing of the trust code (issue 15). Each mutant is
# one small fault (ci/mutate/mutant_gen.c lists the operators) compiled into
# a private build; it is killed when a test that runs its line fails (or
# times out), and survives when every such test passes.
#
# Usage: ci/mutate.sh [options] [FILE...]
#   FILE...          sources to mutate (default: the trust code, see TRUST_FILES)
#   --jobs N         parallel workers, each with its own source copy and
#                    build (default: nproc)
#   --budget MIN     stop starting mutants after MIN minutes; the report says
#                    how many were not run (default: no limit)
#   --sample PCT     run a deterministic PCT% sample of the mutants
#   --seed N         the sample's seed (default 1)
#   --tests REGEX    ctest names that may kill (default: every Check program,
#                    corpus replay, pin::/metacert::/tls::/probe:: scenario
#                    and the Go pin oracle)
#   --timeout SEC    a test taking longer than this kills its mutant (default 60)
#   --work DIR       scratch space, reused between runs (default build/mutate)
#   --equivalents F  declared equivalent mutants (default ci/mutate/equivalent.tsv)
#   --min-kill PCT   exit 1 when a file's kill rate is below PCT
#   --no-asan        skip the second pass: by default the survivors run again
#                    in an ASan+UBSan build (as ci/test.sh runs the suite),
#                    which kills a mutant that reads out of bounds unnoticed
#   --list           print the mutants that would run and exit
#   --report         print the last run's report again (e.g. after declaring
#                    equivalents), without running anything
# Output: progress on stderr; per-file kill rates and every survivor as
# `file:line: before -> after` on stdout, also in DIR/report.txt; every
# mutant's outcome in DIR/results.tsv.
#
# What counts: killed / (killed + survived). Not counted: mutants that do
# not compile, that leave the object code unchanged (gcc -O2, no debug info),
# and those declared equivalent (with the reason) in the equivalents file.
# Tests are chosen per mutant from line coverage (gcov, one run of each test
# before any mutant), cheapest kind first: unit, replay, scenario, oracle.
# Exit: 0 done; 1 a file below --min-kill; 2 usage or setup error.
set -euo pipefail

TRUST_FILES=(
  reference/src/trust/pin_verify.c
  reference/src/trust/pin_verify_hostname.c
  reference/src/trust/pin_verify_x509.c
  reference/src/trust/pin_verify_key.c
  reference/src/go/go_net.c
  reference/src/cert/cert_fields.c
  reference/src/cert/cert_fields_der.c
  reference/src/cert/cert_fields_time.c
  reference/src/cert/metacert_parse.c
)
DEFAULT_TESTS='^(unit\.check_.*|fuzz-replay\.[a-z_]+|conformance\.(openssl\.)?(pin|metacert|tls|probe)::.*|interop\.(pin|json)-oracle)$'

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
budget=""
sample=""
seed=1
tests_re=$DEFAULT_TESTS
timeout=60
work=$root/build/mutate
equivalents=$root/ci/mutate/equivalent.tsv
min_kill=""
list_only=0
report_only=0
asan=1
files=()

die() { echo "mutate.sh: $*" >&2; exit 2; }
need_num() { case $2 in ''|*[!0-9]*) die "$1 wants a whole number, not '$2'" ;; esac; }
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; need_num --jobs "$2"; jobs=$2; shift 2 ;;
    --budget) [ $# -ge 2 ] || die "--budget needs minutes"; need_num --budget "$2"; budget=$2; shift 2 ;;
    --sample) [ $# -ge 2 ] || die "--sample needs a percentage"; need_num --sample "$2"; sample=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a number"; need_num --seed "$2"; seed=$2; shift 2 ;;
    --tests) [ $# -ge 2 ] || die "--tests needs a regex"; tests_re=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; need_num --timeout "$2"; timeout=$2; shift 2 ;;
    --work) [ $# -ge 2 ] || die "--work needs a directory"; work=$2; shift 2 ;;
    --equivalents) [ $# -ge 2 ] || die "--equivalents needs a file"; equivalents=$2; shift 2 ;;
    --min-kill) [ $# -ge 2 ] || die "--min-kill needs a percentage"; need_num --min-kill "$2"; min_kill=$2; shift 2 ;;
    --list) list_only=1; shift ;;
    --no-asan) asan=0; shift ;;
    --report) report_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (try --help)" ;;
    *) files+=("$1"); shift ;;
  esac
done
[ "$jobs" -ge 1 ] || die "--jobs must be at least 1"
[ -z "$sample" ] || [ "$sample" -ge 1 -a "$sample" -le 100 ] || die "--sample must be 1..100"
((${#files[@]})) || files=("${TRUST_FILES[@]}")
cd "$root"
for f in "${files[@]}"; do
  [ -f "$f" ] || die "no such source file: $f"
  case $f in /*) die "give $f relative to the repository root" ;; esac
done
[ -f "$equivalents" ] || die "no equivalents file $equivalents"
for tool in gcc ninja cmake ctest gcov objcopy cmp; do
  command -v $tool >/dev/null || die "$tool not found (ci/setup.sh installs what is needed)"
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
case $work/ in "$root"/build/*) ;; "$root"/*) die "--work inside the source tree must be under build/" ;; esac

# ---- report ------------------------------------------------------------------
# Equivalents are applied again here, so mutants declared after a run leave
# its kill rate with `--report` instead of a new run.
report_and_exit() {
  local elapsed=0 jobs=$jobs sample=$sample seed=$seed
  # shellcheck disable=SC1091
  [ -f "$work/run.info" ] && . "$work/run.info" # the run's own elapsed, jobs, sample, seed
  total=$(wc -l < "$work/results.tsv")
  awk -F'\t' -v OFS='\t' '
    FNR == NR { if ($0 !~ /^#/ && NF >= 5) eq[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = 1; next }
    ($9 == "survived" || $9 == "uncovered") && (($1 SUBSEP $8 SUBSEP $4 SUBSEP $7) in eq) { $9 = "equivalent"; $10 = "" }
    { print }' "$equivalents" "$work/results.tsv" > "$work/results.eq.tsv"
  mv "$work/results.eq.tsv" "$work/results.tsv"
  {
    printf 'mutation testing: %d mutants, %d workers, %dm%02ds%s\n' "$total" "$jobs" $((elapsed / 60)) $((elapsed % 60)) \
      "${sample:+, sample $sample% seed $seed}"
    awk -F'\t' '
      { n[$1]++; s[$1, $9]++; files[$1] = 1 }
      END {
        printf "%-42s %6s %6s %8s %9s %6s %9s %6s %7s\n", "file", "killed", "surv", "uncov", "nocompile", "same", "declared", "notrun", "kill%"
        for (f in files) order[++m] = f
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
        for (i = 1; i <= m; i++) { f = order[i]
          k = s[f, "killed"]; v = s[f, "survived"] + s[f, "uncovered"]
          rate = (k + v) ? sprintf("%6.1f%%", 100 * k / (k + v)) : "    n/a"
          printf "%-42s %6d %6d %8d %9d %6d %9d %6d %7s\n", f, k, s[f, "survived"], s[f, "uncovered"], s[f, "nocompile"], s[f, "unchanged"], s[f, "equivalent"], s[f, "not-run"], rate
          K += k; V += v }
        printf "%-42s %6d %6d %8s %9s %6s %9s %6s %6.1f%%\n", "all", K, V, "", "", "", "", "", (K + V) ? 100 * K / (K + V) : 100
      }' "$work/results.tsv"
    echo
    echo "survivors: file:line: [operator] before -> after, the line, and its key for the equivalents file"
    awk -F'\t' '$9 == "survived" || $9 == "uncovered" {
      printf "%s:%s: [%s] %s -> %s%s\n      %s\n      key: %s\t%s\t%s\t%s\t\n", $1, $3, $5, $6, ($7 == "" ? "(deleted)" : $7),
        ($9 == "uncovered" ? "  (no test runs this line)" : ""), $8, $1, $8, $4, $7 }' "$work/results.tsv"
  } | tee "$work/report.txt"
  [ $fail = 0 ] || die "a worker failed (see $work/w*/)"
  if [ -n "$min_kill" ]; then
    below=$(awk -F'\t' -v min="$min_kill" '
      { n[$1]; if ($9 == "killed") k[$1]++; if ($9 == "survived" || $9 == "uncovered") v[$1]++ }
      END { for (f in n) if (k[f] + v[f] > 0 && 100 * k[f] / (k[f] + v[f]) < min) print f }' "$work/results.tsv")
    if [ -n "$below" ]; then
      echo "mutate.sh: below $min_kill% killed:" $below >&2
      exit 1
    fi
  fi
  exit 0
}

t0=$(date +%s)
if [ $report_only = 1 ]; then
  [ -s "$work/results.tsv" ] || die "no results in $work to report (run first)"
  fail=0
  report_and_exit
fi
log() { printf 'mutate.sh: [%s] %s\n' "$(date -u -d @$(($(date +%s) - t0)) +%H:%M:%S)" "$*" >&2; }

sync_tree() { # sync_tree DEST: the working tree as it is, uncommitted edits included
  mkdir -p "$1"
  tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$1" -xf -
}

# ---- the mutants -----------------------------------------------------------
# They are made from, and restored to, one snapshot of the tree ($work/src),
# so editing the tree during a run changes nothing in it.
if [ $list_only = 1 ]; then snap=$root; else snap=$work/src; sync_tree "$snap"; fi
gcc -O2 -Wall -Wextra -Werror -o "$work/mutant_gen" "$root/ci/mutate/mutant_gen.c" ||
  die "cannot build ci/mutate/mutant_gen.c"
# all.tsv: file index line col op before after context; the sample is a hash
# of (file, line text, col, after), so it stays put when other lines change.
: > "$work/all.tsv"
for f in "${files[@]}"; do
  "$work/mutant_gen" "$snap/$f" | awk -F'\t' -v OFS='\t' -v f="$f" '{print f, $0}' >> "$work/all.tsv"
done
# Declared equivalents: file, context, col, after, reason (tab separated).
awk -F'\t' -v OFS='\t' '
  FNR == NR { if ($0 !~ /^#/ && NF >= 5) eq[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4] = 1; next }
  { key = $1 SUBSEP $8 SUBSEP $4 SUBSEP $7; print $0, (key in eq) ? "equivalent" : "" }
' "$equivalents" "$work/all.tsv" > "$work/all+eq.tsv"
if [ -n "$sample" ]; then
  awk -F'\t' -v OFS='\t' -v pct="$sample" -v seed="$seed" '
    function h(s,   i, x) { x = seed * 2654435761 % 4294967296
      for (i = 1; i <= length(s); i++) x = (x * 31 + index(ALPHA, substr(s, i, 1))) % 1000003
      return x % 100 }
    BEGIN { ALPHA = " !\"#$%&'"'"'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~" }
    h($1 "|" $8 "|" $4 "|" $7) < pct' "$work/all+eq.tsv" > "$work/run.tsv"
else
  cp "$work/all+eq.tsv" "$work/run.tsv"
fi
total=$(wc -l < "$work/run.tsv")
declared=$(awk -F'\t' '$9 == "equivalent"' "$work/run.tsv" | wc -l)
if [ $list_only = 1 ]; then
  awk -F'\t' '{printf "%s:%s:%s: %s %s -> %s%s\n", $1, $3, $4, $5, $6, $7, ($9 ? "  (declared equivalent)" : "")}' "$work/run.tsv"
  echo "$total mutants ($declared declared equivalent)"
  exit 0
fi
log "$total mutants in ${#files[@]} files ($declared declared equivalent), $jobs workers"

# ---- private trees and builds ----------------------------------------------
# A worker owns a copy of the source (mutants are written into it) and a
# Ninja build of it, so only the mutated object and what links it rebuild.
configure() { # configure SRC BUILD [extra cmake args]
  local src=$1 build=$2; shift 2
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_C_COMPILER=gcc "$@" > "$build.configure.log" 2>&1 ||
    { tail -n 30 "$build.configure.log" >&2; die "configuring $build failed"; }
  ninja -C "$build" > "$build.build.log" 2>&1 ||
    { tail -n 30 "$build.build.log" >&2; die "building $build failed (does the tree build?)"; }
}
ctest_in() { # ctest_in BUILD REGEX [args]: the tests matching REGEX, quietly
  local build=$1 re=$2; shift 2
  (cd "$build" && ctest -R "$re" --timeout "$timeout" "$@")
}

# Builds are kept between runs: tar keeps the mtimes, so only what changed
# since the last run rebuilds.
log "syncing the tree into $jobs workers and a coverage build"
mkdir -p "$work/cov"
configure "$work/src" "$work/cov" -DCMAKE_BUILD_TYPE=Debug -DDERP_WERROR=OFF \
  -DCMAKE_C_FLAGS=--coverage -DCMAKE_EXE_LINKER_FLAGS=--coverage &
for w in $(seq 1 "$jobs"); do
  sync_tree "$work/w$w/src"
  # tar restores the tree's (older) mtimes: a run cut short may have left a
  # mutant's object behind, so the mutated files always rebuild.
  for f in "${files[@]}"; do touch "$work/w$w/src/$f"; done
  mkdir -p "$work/w$w/build"
  rm -f "$work/w$w"/results*.tsv
  configure "$work/w$w/src" "$work/w$w/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &
  if [ $asan = 1 ]; then
    mkdir -p "$work/w$w/build-asan"
    configure "$work/w$w/src" "$work/w$w/build-asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDERP_SANITIZE=ON &
  fi
done
wait

# The kill set, its order (cheap kinds first) and each test's targets.
(cd "$work/w1/build" && ctest --show-only=json-v1) > "$work/tests.json"
jq -r --arg re "$tests_re" '.tests[] | select(.name | test($re)) | .name' "$work/tests.json" |
  awk '{ k = /^unit\./ ? 1 : /^fuzz-replay\./ ? 2 : /^conformance\./ ? 3 : 4; print k "\t" $0 }' |
  sort -s -k1,1n > "$work/tests.tsv"
ntests=$(wc -l < "$work/tests.tsv")
[ "$ntests" -gt 0 ] || die "no test matches --tests '$tests_re'"

log "baseline: the $ntests tests must pass unmutated"
base_re="^($(cut -f2 "$work/tests.tsv" | sed 's/[][\.*^$+?(){}|]/\\&/g' | paste -sd'|'))\$"
ctest_in "$work/w1/build" "$base_re" -j "$jobs" > "$work/baseline.log" 2>&1 ||
  { grep -E 'Failed|\*\*\*' "$work/baseline.log" | head -n 20 >&2; die "tests fail without any mutant (see $work/baseline.log)"; }
# Cheapest first within a kind, by the baseline's times: the test most
# likely to kill is the module's own, which is also among the quickest.
sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) .* \([0-9.]*\) sec$/\1\t\2/p' "$work/baseline.log" |
  awk -F'\t' -v OFS='\t' 'FNR == NR { cost[$1] = $2; next } { print $1, $2, (($2 in cost) ? cost[$2] : 999) }' - "$work/tests.tsv" |
  sort -t$'\t' -s -k1,1n -k3,3g | cut -f1,2 > "$work/tests.sorted.tsv"
mv "$work/tests.sorted.tsv" "$work/tests.tsv"
if [ $asan = 1 ]; then
  ctest_in "$work/w1/build-asan" "$base_re" -j "$jobs" > "$work/baseline-asan.log" 2>&1 ||
    { grep -E 'Failed|\*\*\*' "$work/baseline-asan.log" | head -n 20 >&2; die "tests fail under ASan+UBSan without any mutant (see $work/baseline-asan.log)"; }
fi
for w in $(seq 1 "$jobs"); do # the oracle's Go peers, once per build
  if grep -qE 'interop\.(pin|json)-oracle' "$work/tests.tsv"; then
    [ "$w" = 1 ] || ctest_in "$work/w$w/build" '^interop\.peers$' > /dev/null 2>&1 || true
    [ "$w" = 1 ] || [ $asan = 0 ] || ctest_in "$work/w$w/build-asan" '^interop\.peers$' > /dev/null 2>&1 || true
  fi
done

# The executables each test runs (ninja targets, relative to the build):
# its command's paths inside the build, and for scenarios the programs the
# runner starts.
jq -r --arg b "$work/w1/build/" '.tests[] | .name as $n | (.command // [])[] |
  select(startswith($b)) | [$n, ltrimstr($b)] | @tsv' "$work/tests.json" > "$work/targets.tsv"
awk -F'\t' '$2 ~ /^conformance\./ {print $2 "\tbin/derp-client\n" $2 "\tbin/derp-relay"}' \
  "$work/tests.tsv" >> "$work/targets.tsv"
ninja -C "$work/w1/build" -t targets all | sed 's/: .*//' > "$work/ninja-targets.txt"
awk -F'\t' 'FNR == NR { known[$1] = 1; next } ($2 in known)' "$work/ninja-targets.txt" "$work/targets.tsv" |
  sort -u > "$work/targets.known.tsv"
mv "$work/targets.known.tsv" "$work/targets.tsv"
# The Go side of the oracle does not change with a mutant: with go off PATH,
# oracle.sh uses the oracles the baseline built instead of asking go again.
no_go_path=$(printf '%s\n' "${PATH//:/$'\n'}" | while read -r d; do [ -x "$d/go" ] || printf '%s\n' "$d"; done | paste -sd:)

log "coverage: which tests run which lines"
: > "$work/cov.tsv"
n=0
while IFS=$'\t' read -r kind t; do
  n=$((n + 1))
  find "$work/cov" -name '*.gcda' -delete
  ctest_in "$work/cov" "^$(printf '%s' "$t" | sed 's/[][\.*^$+?(){}|]/\\&/g')\$" > /dev/null 2>&1 || true
  for f in "${files[@]}"; do
    gcda=$(find "$work/cov" -name "$(basename "$f").gcda" -path "*$(basename "$(dirname "$f")")*" | head -n1)
    [ -n "$gcda" ] || continue
    (cd "$(dirname "$gcda")" && gcov -t "$gcda" 2>/dev/null) |
      awk -F: -v OFS='\t' -v t="$t" -v f="$f" -v src="$work/src/$f" '
        $2 + 0 == 0 && $3 == "Source" { keep = ($4 == src); next }
        keep { c = $1; gsub(/[ *]/, "", c); if (c ~ /^[0-9]+$/ && c > 0) print t, f, $2 + 0 }' >> "$work/cov.tsv"
  done
  [ $((n % 20)) = 0 ] && log "coverage: $n/$ntests tests"
done < "$work/tests.tsv"
# Lines gcov knows as code: a mutant on any other line (a table, a #define)
# may matter anywhere, so it gets every test.
: > "$work/codelines.tsv"
for f in "${files[@]}"; do
  gcda=$(find "$work/cov" -name "$(basename "$f").gcno" -path "*$(basename "$(dirname "$f")")*" | head -n1)
  [ -n "$gcda" ] || continue
  (cd "$(dirname "$gcda")" && gcov -t "$gcda" 2>/dev/null) |
    awk -F: -v OFS='\t' -v f="$f" -v src="$work/src/$f" '
      $2 + 0 == 0 && $3 == "Source" { keep = ($4 == src); next }
      keep { c = $1; gsub(/ /, "", c); if (c != "-") print f, $2 + 0 }' >> "$work/codelines.tsv"
done
[ -s "$work/codelines.tsv" ] || die "gcov found no code lines in the coverage build"
log "coverage: done"

# ---- one worker --------------------------------------------------------------
# Each mutant: write it into the worker's tree; compile its object (a compile
# error skips it); compare the object without debug info to the original's
# (identical skips it); then run its covering tests kind by kind, stopping
# at the first failure; restore the file.
worker() { # worker N BUILD RESULTS < queue
  local w=$1 build=$2 out=$3 src=$work/w$w/src tag=""
  [ "${build##*/}" = build-asan ] && tag=" (asan)"
  : > "$out"
  declare -A ref_obj=()
  while IFS=$'\t' read -r file idx line col op before after context eqflag; do
    if [ -n "$budget" ] && [ $(($(date +%s) - t0)) -ge $((budget * 60)) ]; then
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\tnot-run\t\n' "$file" "$idx" "$line" "$col" "$op" "$before" "$after" "$context" >> "$out"
      continue
    fi
    if [ "$eqflag" = equivalent ]; then
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\tequivalent\t\n' "$file" "$idx" "$line" "$col" "$op" "$before" "$after" "$context" >> "$out"
      continue
    fi
    local obj=${ref_obj[$file]:-}
    if [ -z "$obj" ]; then
      obj=$(cd "$build" && jq -r --arg f "$src/$file" '.[] | select(.file == $f) | .command' compile_commands.json |
            head -n1 | sed -n 's/.* -o \([^ ]*\) .*/\1/p')
      [ -n "$obj" ] || { echo "mutate.sh: worker $w: no object for $file" >&2; return 1; }
      ninja -C "$build" "$obj" > /dev/null
      objcopy --strip-debug "$build/$obj" "$build/mutate-ref-$(basename "$file").o"
      ref_obj[$file]=$obj
    fi
    local status="" killer=""
    "$work/mutant_gen" "$snap/$file" "$idx" > "$src/$file.mutant"
    mv "$src/$file.mutant" "$src/$file"
    if ! ninja -C "$build" "$obj" > "$work/w$w/compile.log" 2>&1; then
      status=nocompile
    else
      objcopy --strip-debug "$build/$obj" "$build/mutate-mut.o"
      if cmp -s "$build/mutate-mut.o" "$build/mutate-ref-$(basename "$file").o"; then
        status=unchanged
      fi
    fi
    if [ -z "$status" ]; then
      status=survived
      local kinds
      kinds=$(awk -F'\t' -v f="$file" -v l="$line" '
        FNR == NR { if ($1 == f && $2 == l) code = 1; next }
        FILENAME == ARGV[2] { if ($2 == f && $3 == l) cov[$1] = 1; next }
        { if (!code || ($2 in cov)) print $1 "\t" $2 }' \
        "$work/codelines.tsv" "$work/cov.tsv" "$work/tests.tsv")
      if [ -z "$kinds" ]; then
        status=uncovered
      else
        for k in 1 2 3 4; do
          local names
          names=$(printf '%s\n' "$kinds" | awk -F'\t' -v k=$k '$1 == k {print $2}')
          [ -n "$names" ] || continue
          local targets
          targets=$(printf '%s\n' "$names" | awk -F'\t' 'FNR == NR { want[$1] = 1; next } ($1 in want) { print $2 }' - "$work/targets.tsv" | sort -u)
          # shellcheck disable=SC2086
          if ! ninja -C "$build" $targets > "$work/w$w/build.log" 2>&1; then
            status=nocompile # links fail: e.g. a mutant that breaks a macro's users
            break
          fi
          # Unit tests and replays one by one, cheapest first (ctest itself
          # would start with the slowest); scenarios and the oracle together.
          local batches re
          if [ $k -le 2 ]; then batches=$names; else batches=$(printf '%s\n' "$names" | paste -sd' '); fi
          while IFS= read -r batch; do
            re="^($(printf '%s\n' $batch | sed 's/[][\.*^$+?(){}|]/\\&/g' | paste -sd'|'))\$"
            if ! PATH=$no_go_path ctest_in "$build" "$re" --stop-on-failure -FS interop_peers > "$work/w$w/test.log" 2>&1; then
              status=killed
              killer=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (\(.*\))$/\1 (\2)/p' "$work/w$w/test.log" | head -n1)$tag
              break
            fi
          done <<< "$batches"
          [ "$status" = killed ] && break
        done
      fi
    fi
    # A fresh mtime: the object now holds the mutant and must rebuild.
    cp "$snap/$file" "$src/$file"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$file" "$idx" "$line" "$col" "$op" "$before" "$after" "$context" "$status" "$killer" >> "$out"
  done
  # Leave the worker's build as the tree is, for the next run.
  ninja -C "$build" > /dev/null 2>&1 || true
}

progress() {
  while sleep 30; do
    local done_n
    done_n=$(cat "$work"/w*/results.tsv 2>/dev/null | wc -l)
    log "$done_n/$total mutants: $(cat "$work"/w*/results.tsv 2>/dev/null | cut -f9 | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"
  done
}

cleanup() {
  [ -z "${progress_pid:-}" ] || kill "$progress_pid" 2>/dev/null || true
  for w in $(seq 1 "$jobs"); do
    for f in "${files[@]}"; do
      [ -f "$work/w$w/src/$f" ] && cp "$snap/$f" "$work/w$w/src/$f" 2>/dev/null || true
    done
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_pass() { # run_pass LIST SUFFIX: LIST's mutants dealt round-robin to the workers'
  # build$SUFFIX, each writing results$SUFFIX.tsv; sets fail on a worker's failure
  local list=$1 suffix=$2 w p pids=()
  for w in $(seq 1 "$jobs"); do
    awk -F'\t' -v n="$jobs" -v w="$w" '(NR - 1) % n == w - 1' "$list" > "$work/w$w/queue$suffix.tsv"
    worker "$w" "$work/w$w/build$suffix" "$work/w$w/results$suffix.tsv" < "$work/w$w/queue$suffix.tsv" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fail=1; done
}

log "running $total mutants"
fail=0
progress & progress_pid=$!
run_pass "$work/run.tsv" ""
kill "$progress_pid" 2>/dev/null || true
progress_pid=""
cat "$work"/w*/results.tsv | sort -t$'\t' -k1,1 -k2,2n > "$work/results.tsv"

# Second pass: the survivors, under ASan+UBSan.
if [ $asan = 1 ] && [ $fail = 0 ]; then
  awk -F'\t' -v OFS='\t' '$9 == "survived" { NF = 9; $9 = ""; print }' "$work/results.tsv" > "$work/asan-run.tsv"
  log "ASan+UBSan pass: $(wc -l < "$work/asan-run.tsv") survivors"
  run_pass "$work/asan-run.tsv" -asan
  # A survivor killed under ASan+UBSan counts as killed; nothing else changes.
  cat "$work"/w*/results-asan.tsv | awk -F'\t' -v OFS='\t' '
    FNR == NR { if ($9 == "killed") again[$1 SUBSEP $2] = $0; next }
    { k = $1 SUBSEP $2; print (k in again) ? again[k] : $0 }' - "$work/results.tsv" > "$work/results.merged.tsv"
  mv "$work/results.merged.tsv" "$work/results.tsv"
fi

printf 'elapsed=%d\njobs=%d\nsample=%s\nseed=%d\n' $(($(date +%s) - t0)) "$jobs" "$sample" "$seed" > "$work/run.info"
report_and_exit
