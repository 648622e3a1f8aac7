#!/bin/bash
# Golden tests for rejected inventory files: every problem is reported,
# each on its own line with its JSON path (wrong types, unknown keys,
# duplicate names, bad CIDRs, identity settings, syntax), and entry and
# zone names obey the policy's rules (pol_identity_valid(),
# pol_zone_name_valid()), so none can forge a line in compile's messages.
# Each policy/inventory/bad-NAME.json is refused by `zonewall compile` with
# exit 2 and exactly the lines in bad-NAME.err (the JSON path of each
# problem, a name shown escaped); each ok-NAME.json compiles.
# ZW_GOLDEN_UPDATE=1 rewrites the .err files.
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/policy/inventory
policy=$top_srcdir/tests/golden/policy/ok/minimal.json

compile() { run_cmd "$ZONEWALL" compile "$policy" --runtime none --inventory "$1" --bridge br-golden; }

for f in "$dir"/bad-*.json; do
	n=$(basename "$f" .json)
	compile "$f"
	err=${err//"$f"/FILE}
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$err" >"$dir/$n.err"
	tap_is "$rc" 2 "$n: refused with exit 2"
	tap_is "$err" "$(cat "$dir/$n.err")" "$n: every problem named by its JSON path, names escaped"
	tap_is "$out" "" "$n: nothing on stdout"
	tap_is "$(grep -cv '^FILE: \$\|^zonewall compile: ' <<<"$err")" 0 \
		"$n: no line of the messages starts anywhere else (nothing forged)"
done
for f in "$dir"/ok-*.json; do
	n=$(basename "$f" .json)
	compile "$f"
	tap_is "$rc" 0 "$n: names at the edges of the rules compile"
done
tap_done
