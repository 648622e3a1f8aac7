#!/bin/bash
# Golden tests for the ruleset model's text (src/model/rs-render.c): each NAME.json
# fixture renders to NAME.nft exactly, validates, and `nft -c -f` accepts it
# (when nft can check here: it needs CAP_NET_ADMIN); each bad-NAME.json must
# be refused by rs_validate() with the one line in bad-NAME.err.
# ZW_GOLDEN_UPDATE=1 rewrites the expected files.
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/ruleset
drv=$top_builddir/tests/netns/nft-driver

can_check=
if command -v nft >/dev/null && echo 'table inet zwgoldenprobe' | nft -c -f - 2>/dev/null; then
	can_check=1
fi

for f in "$dir"/*.json; do
	n=$(basename "$f" .json)
	case $n in
	bad-*)
		run_cmd "$drv" validate "$f"
		[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$err" >"$dir/$n.err"
		tap_is "$rc" 2 "$n: refused"
		tap_is "$err" "$(cat "$dir/$n.err")" "$n: the problem names the origin"
		continue
		;;
	esac
	run_cmd "$drv" validate "$f"
	tap_is "$rc/$err" "0/" "$n: validates"
	run_cmd "$drv" render --replace "$f"
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$out" >"$dir/$n.nft"
	tap_is "$rc" 0 "$n: renders"
	tap_is "$out" "$(cat "$dir/$n.nft")" "$n: text matches $n.nft"
	if [ -n "$can_check" ]; then
		nft -c -f "$dir/$n.nft" >/dev/null 2>&1
		tap_ok $? "$n: nft -c -f accepts it"
	else
		tap_skip "nft -c needs CAP_NET_ADMIN"
	fi
done
tap_done
