#!/bin/bash
# Golden tests for the links output path: each NAME.json (rows in the
# schema of `zonewall links --json`) is rendered by the same code the CLI
# uses, as the default table (NAME.table, within 120 columns), as the
# --wide table (NAME.wide) and as JSON (NAME.json itself).
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/links
render=$top_builddir/tests/golden/links-render

for f in "$dir"/*.json; do
	n=$(basename "$f" .json)
	run_cmd "$render" table "$f"
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$out" >"$dir/$n.table"
	tap_is "$rc" 0 "$n: table renders"
	tap_is "$out" "$(cat "$dir/$n.table")" "$n: table matches $n.table"
	tap_fits "$out" "$n: the table fits 120 columns"
	run_cmd "$render" wide "$f"
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$out" >"$dir/$n.wide"
	tap_is "$out" "$(cat "$dir/$n.wide")" "$n: the wide table matches $n.wide"
	run_cmd "$render" json "$f"
	tap_is "$out" "$(cat "$f")" "$n: JSON output equals the input rows"
done
tap_done
