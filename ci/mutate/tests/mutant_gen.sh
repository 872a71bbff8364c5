#!/usr/bin/env bash
# mutant_gen.sh MUTANT_GEN: the mutant list of tests/sample.c is the reviewed
# one (tests/sample.expected: nothing in comments, strings, characters,
# #include lines or declared array sizes; every operator where it belongs),
# and every mutant applied is valid C that differs from the source on exactly
# its listed line, with the line count kept.
set -euo pipefail
gen=${1:?usage: mutant_gen.sh MUTANT_GEN}
here=$(cd "$(dirname "$0")" && pwd)
src=$here/sample.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$gen" "$src" > "$tmp/list"
diff -u "$here/sample.expected" "$tmp/list" || fail "mutant list differs from sample.expected"

lines=$(wc -l < "$src")
n=0
while IFS=$'\t' read -r idx line _col op _before _after _context; do
  "$gen" "$src" "$idx" > "$tmp/m.c"
  [ "$(wc -l < "$tmp/m.c")" = "$lines" ] || fail "mutant $idx ($op) changes the line count"
  changed=$({ diff "$src" "$tmp/m.c" || true; } | sed -n 's/^\([0-9]*\)c[0-9]*$/\1/p')
  [ "$changed" = "$line" ] || fail "mutant $idx ($op) changes line(s) '${changed:-none}', not $line"
  gcc -std=c11 -fsyntax-only -w "$tmp/m.c" || fail "mutant $idx ($op) is not valid C"
  n=$((n + 1))
done < "$tmp/list"
[ "$n" -gt 0 ] || fail "no mutants checked"

# Bad input names what is wrong and exits 2.
set +e
"$gen" "$src" 9999 2> "$tmp/err"; rc=$?
set -e
[ $rc = 2 ] && grep -q "no mutant '9999'" "$tmp/err" || fail "a bad index: exit $rc, $(cat "$tmp/err")"
set +e
"$gen" "$tmp/missing.c" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 2 ] && grep -q "missing.c" "$tmp/err" || fail "a missing file: exit $rc, $(cat "$tmp/err")"
echo "mutant_gen: $n mutants checked"
