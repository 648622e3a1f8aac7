#!/bin/bash
# Every row-printing command's default output fits 120 columns on realistic
# data: the shared captures (flows of each one; learn, review, replay, diff
# and explain on zeek__var-services-std-ports.pcap and zeek__mysql_auth.pcap
# with learn/inventory.json, as learn.sh runs them), the review fixtures,
# the inventory's containers, and links (links.sh renders its golden rows).
# --wide shows every column in full: the table with --wide has every key of
# the JSON rows that the default table leaves out or cuts.  status and
# daemon-status need tables or a daemon: tests/netns/enforce.sh and
# tests/daemon/control.sh check theirs; denied's default columns are
# bounded to 120 by their caps (cmd-denied.c), no test feeds it rows.
. "$(dirname "$0")/../lib/common.sh"

pcaps=${ZW_PCAPS:-$top_srcdir/../shared/pcaps}
var=$pcaps/zeek__var-services-std-ports.pcap
sql=$pcaps/zeek__mysql_auth.pcap
[ -r "$var" ] && [ -r "$sql" ] ||
	tap_skip_all "no shared captures at $pcaps (set ZW_PCAPS)"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"

learn=$top_srcdir/tests/golden/learn
review=$top_srcdir/tests/golden/review
inv=$learn/inventory.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZONEWALL_NOW=2026-01-10T12:00:00Z

# fits DESCRIPTION CMD...: CMD's standard output within 120 columns
fits() {
	local what=$1
	shift
	run_cmd "$@"
	tap_fits "$out" "$what"
}

# --- flows: every shared capture ------------------------------------------------
widest=0 over=()
for f in "$pcaps"/*.pcap "$pcaps"/*.pcapng; do
	[ -r "$f" ] || continue
	w=$("$ZONEWALL" flows -r "$f" 2>/dev/null | LC_ALL=C.UTF-8 wc -L)
	[ "$w" -le 120 ] || over+=("$(basename "$f"): $w")
	[ "$w" -le "$widest" ] || widest=$w
done
tap_is "$(printf '%s\n' "${over[@]}" | sed '/^$/d')" "" \
	"flows: every shared capture's table fits 120 columns (widest $widest)"
run_cmd "$ZONEWALL" flows -r "$var" --wide
tap_ok "$(grep -q 'FIRST_SEEN' <<<"$out" && grep -qE '\.[0-9]{6}Z' <<<"$out"; echo $?)" \
	"flows --wide: first_seen, and times to the microsecond"
run_cmd "$ZONEWALL" flows -r "$var"
tap_ok "$(! grep -q 'FIRST_SEEN' <<<"$out" && ! grep -qE '\.[0-9]+Z' <<<"$out"; echo $?)" \
	"flows: last_seen to the second"
tap_is "$("$ZONEWALL" flows -r "$var" --wide --format tsv | md5sum)" \
	"$("$ZONEWALL" flows -r "$var" --format tsv | md5sum)" "flows --format tsv: every column either way"

# --- learn, review, replay, diff, explain on the shared captures ------------------
fits "learn" "$ZONEWALL" learn -r "$var" -r "$sql" --inventory "$inv" --run-id w -o "$tmp/p.json"
fits "review with a policy" "$ZONEWALL" review "$tmp/p.json" --policy "$learn/approved.json"
fits "review without a policy" "$ZONEWALL" review "$tmp/p.json"
fits "review of the fixtures" "$ZONEWALL" review "$review/staging1.json" \
	--policy "$top_srcdir/rules/policy.example.json"
fits "replay" "$ZONEWALL" replay "$learn/approved.json" -r "$var" -r "$sql" --inventory "$inv"
fits "replay without the inventory" "$ZONEWALL" replay "$learn/approved.json" -r "$var" -r "$sql"
fits "diff" "$ZONEWALL" diff "$learn/policy-start.json" "$learn/approved.json"
fits "explain" "$ZONEWALL" explain admin-ws app-server tcp/22 --policy "$learn/approved.json" \
	--inventory "$inv" --runtime none
fits "containers" "$ZONEWALL" containers --runtime none --inventory "$inv"
fits "validate" "$ZONEWALL" validate "$learn/approved.json" "$tmp/p.json"

# --- --wide holds what the default cuts or leaves out ---------------------------------
# wide_has CMD...: every value of the --json rows (array ROWS) is a word of
# the --wide table (values with spaces: their first word)
run_cmd "$ZONEWALL" review "$tmp/p.json" --policy "$learn/approved.json" --json
want=$(jq -r '.edges[] | .id, .from, .to, .first_seen, .last_seen, (.why // empty | split(" ")[0])' <<<"$out" | sort -u)
run_cmd "$ZONEWALL" review "$tmp/p.json" --policy "$learn/approved.json" --wide
missing=$(comm -23 <(printf '%s\n' "$want") <(tr -s ' ' '\n' <<<"$out" | sort -u))
tap_is "$missing" "" "review --wide: every id, end, time and reason of --json in full"
run_cmd "$ZONEWALL" review "$tmp/p.json" --policy "$learn/approved.json"
tap_ok "$(grep -q '…' <<<"$out"; echo $?)" "review: long identities cut with an ellipsis"
run_cmd "$ZONEWALL" replay "$learn/approved.json" -r "$var" -r "$sql" --inventory "$inv" --json
want=$(jq -r '.flows[] | .from, .to, .src, .dst, .first_seen' <<<"$out" | sort -u)
run_cmd "$ZONEWALL" replay "$learn/approved.json" -r "$var" -r "$sql" --inventory "$inv" --wide
missing=$(comm -23 <(printf '%s\n' "$want") <(tr -s ' ' '\n' <<<"$out" | sort -u))
tap_is "$missing" "" "replay --wide: every end, address and time of --json in full"
run_cmd "$ZONEWALL" containers --runtime none --inventory "$inv" --wide
tap_ok "$(head -1 <<<"$out" | grep -q 'IMAGE.*IPV6.*NETWORKS.*VETH.*BRIDGE'; echo $?)" \
	"containers --wide: image, IPv6, networks, veth and bridge"
run_cmd "$ZONEWALL" containers --runtime none --inventory "$inv" --wide --json
tap_is "$out" "$("$ZONEWALL" containers --runtime none --inventory "$inv" --json)" \
	"containers --json: the same with --wide"
tap_done
