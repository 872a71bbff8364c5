#!/bin/sh
# fidelity.sh REPORT.json... : the README's fidelity tables, as Markdown,
# from derpcheck's JSON reports of one interop run (ctest -L interop writes
# <build>/interop-<relay>.json):
#   1. clients: scenario x (each C profile, then the real clients judged by
#      it), from the reference relay's report;
#   2. relays: scenario x relay, every cell of the scenario on that relay
#      summed up (the C profiles, the real clients and the relay column).
# A cell: ✓ matches the scenario's expectation, ≈ declared upstream
# deviation (conformance/expectations/), ✗ mismatch, ! error, - skipped.
set -eu
[ $# -ge 1 ] || { echo "usage: fidelity.sh REPORT.json..." >&2; exit 2; }
command -v jq >/dev/null || { echo "fidelity.sh: needs jq (ci/setup.sh installs it)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
for f in "$@"; do
  jq -e '.derpcheck_report == 2' "$f" >/dev/null 2>&1 ||
    { echo "fidelity.sh: $f: not a derpcheck JSON report (format 2)" >&2; exit 2; }
done

versions=$(cd "$here/tailscale" && ls -d v[0-9]* | sort -V | tr '\n' ' ')
echo "Generated $(date -u +%Y-%m-%d) by \`conformance/peers/fidelity.sh\` from \`ctest -L interop\`;"
echo "$(go env GOVERSION 2>/dev/null || echo 'go ?'), tailscale.com ${versions% }."
echo

jq -rs '
  def sym: {"match":"✓","known deviation":"≈","known_deviation":"≈","mismatch":"✗","error":"!","skipped":"-"}[.] // "?";
  def short: if . == null then "" else (.[0:34] + (if length > 34 then "…" else "" end)) end;
  def md: gsub("\\|"; "\\|");
  (map(select(.relays == ["reference"])) | first) as $r
  | if $r == null then "(no report for the reference relay)" else
    # column order: each C profile, then the real columns judged by it
    ([$r.scenarios[].cells[] | {column, profile}] | unique) as $cp
    | ($r.columns | map(select(. != "relay"))) as $cols
    | [$cols[] as $c | select(($cp | map(select(.column == $c and .profile == $c)) | length) > 0) | $c] as $profiles
    | [$profiles[] as $p | $p, ($cols[] as $c | select($c != $p and ($cp | any(.column == $c and .profile == $p)) and (($profiles | index($c)) == null)) | $c)]
    | unique_by(.) as $dummy | . as $order
    | "### Clients (relay: reference)\n",
      "| scenario | " + ($order | map(if test("@") then "**" + . + "**" else "`" + . + "`" end) | join(" | ")) + " |",
      "|---|" + ($order | map("---") | join("|")) + "|",
      ($r.scenarios[] | . as $s
        | [ $order[] as $c | ($s.cells | map(select(.column == $c)) | first) as $cell
            | if $cell == null then "" else ($cell.verdict | sym) + " " + ($cell.actual | short | md) end ]
        | select(map(select(. != "")) | length > 0)
        | "| `" + $s.id + "` | " + join(" | ") + " |")
    end
' "$@"
echo
jq -rs '
  def sym: {"match":"✓","known deviation":"≈","known_deviation":"≈","mismatch":"✗","error":"!","skipped":"-"}[.] // "?";
  (map(.relays[0]) | sort_by(if . == "reference" then [0] else ((capture("v(?<a>[0-9]+)\\.(?<b>[0-9]+)\\.(?<c>[0-9]+)") // {a:"0",b:"0",c:"0"}) | [1, (.a|tonumber), (.b|tonumber), (.c|tonumber)]) end)) as $relays
  | (map(.scenarios[] | {id, relay, cells}) ) as $rows
  | ($rows | map(.id) | unique) as $ids
  | "### Relays (every cell of a scenario on that relay)\n",
    "| scenario | " + ($relays | map("**" + . + "**") | join(" | ")) + " |",
    "|---|" + ($relays | map("---") | join("|")) + "|",
    ($ids[] as $id
      | [ $relays[] as $rl | ($rows | map(select(.id == $id and .relay == $rl)) | first) as $row
          | if $row == null then "" else
              ($row.cells | group_by(.verdict) | map((.[0].verdict | sym) + " " + (length | tostring)) | join(" "))
              + (if ($row.cells | all(.verdict == "skipped")) then " (" + ($row.cells[0].actual | sub("^skipped \\((?<w>.*)\\)$"; "\(.w)")) + ")" else "" end)
            end ]
      | "| `" + $id + "` | " + join(" | ") + " |")
' "$@"
