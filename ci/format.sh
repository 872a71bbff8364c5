#!/usr/bin/env bash
# Check (default) or apply the C style of the root .clang-format to every
# tracked .c/.h file. Usage: ci/format.sh [--check|--fix]
# Exit: 0 formatted, 1 files need formatting (listed), 77 no clang-format-14
# (ctest reports the test skipped), 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
case "${1:-}" in
  ""|--check) ;;
  --fix) mode=fix ;;
  -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "format.sh: unknown option '$1' (use --check or --fix)" >&2; exit 2 ;;
esac

# The style is pinned to one clang-format: another major version formats
# some constructs differently and would flag the whole tree.
fmt=$(command -v clang-format-14 || true)
if [[ -z "$fmt" ]]; then
  echo "format.sh: skipped: clang-format-14 is not installed (ci/setup.sh installs it)"
  exit 77
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find reference harness conformance fuzz -name '*.[ch]' | sort)
fi
if ((${#files[@]} == 0)); then
  echo "format.sh: no C files found" >&2
  exit 2
fi

if [[ $mode == fix ]]; then
  "$fmt" -i "${files[@]}"
  echo "format.sh: formatted ${#files[@]} files"
  exit 0
fi

# One run over all files; each file that differs is named in its messages.
mapfile -t bad < <("$fmt" --dry-run --Werror "${files[@]}" 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
if ((${#bad[@]})); then
  printf 'format.sh: %d of %d files differ from .clang-format (fix: ci/format.sh --fix):\n' \
    "${#bad[@]}" "${#files[@]}"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "format.sh: ${#files[@]} files match .clang-format"
