#!/bin/bash
# Golden tests for the compiler (src/compile/compile.c through `zonewall compile`):
# each NAME.policy.json with NAME.inventory.json compiles, inventory-only and
# hermetically (--runtime none, one --bridge that does not exist here), to
# exactly NAME.nft with the warnings in NAME.warn, and `nft -c -f` accepts
# it; each bad-NAME must be refused with the exit status and lines in
# bad-NAME.err (first line: the status).  ZW_GOLDEN_UPDATE=1 rewrites them.
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/compile
cd "$dir" || tap_bail "no $dir"

can_check=
if command -v nft >/dev/null && echo 'table inet zwgoldenprobe' | nft -c -f - 2>/dev/null; then
	can_check=1
fi
compile() { run_cmd "$ZONEWALL" compile "$1.policy.json" --runtime none --inventory "$1.inventory.json" \
	--bridge br-golden; }

for f in *.policy.json; do
	n=${f%.policy.json}
	compile "$n"
	case $n in
	bad-*)
		[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n%s\n' "$rc" "$err" >"$n.err"
		tap_is "$rc" "$(head -1 "$n.err")" "$n: refused with status $(head -1 "$n.err")"
		tap_is "$err" "$(tail -n +2 "$n.err")" "$n: the problem is named"
		tap_is "$out" "" "$n: nothing printed on stdout"
		continue
		;;
	esac
	if [ -n "${ZW_GOLDEN_UPDATE:-}" ]; then
		printf '%s\n' "$out" >"$n.nft"
		printf '%s\n' "$err" >"$n.warn"
	fi
	tap_is "$rc" 0 "$n: compiles"
	tap_is "$out" "$(cat "$n.nft")" "$n: text matches $n.nft"
	tap_is "$err" "$(cat "$n.warn")" "$n: warnings match $n.warn"
	if [ -n "$can_check" ]; then
		nft -c -f "$n.nft" >/dev/null 2>&1
		tap_ok $? "$n: nft -c -f accepts it"
	else
		tap_skip "nft -c needs CAP_NET_ADMIN"
	fi
done
tap_done
