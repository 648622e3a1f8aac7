#!/bin/bash
# Conformance: for every public capture in the shared pcaps directory,
# `zonewall flows` must find exactly the (proto, client, server, port) set
# that tshark finds under the same rules (expected/FILE.flows, made by
# oracle.sh), and exit with the right status: 1 for a link type outside
# the learner's scope (named in MANIFEST.tsv), 0 otherwise.  A capture
# damaged part-way must print the flows read so far and exit 1.
. "$(dirname "$0")/../lib/common.sh"

dir=${ZW_PCAPS:-$top_srcdir/../shared/pcaps}
[ -d "$dir/expected" ] || tap_skip_all "no shared captures at $dir (set ZW_PCAPS)"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# want_status FILE: 1 if MANIFEST.tsv says its link type is out of scope.
want_status() {
	local lt
	lt=$(awk -F'\t' -v f="$1" '$1 == f { print $6 }' "$dir/MANIFEST.tsv" 2>/dev/null)
	case "$lt" in
	"") echo any ;;
	EN10MB*|LINUX_SLL\(*|LINUX_SLL2*) echo 0 ;;
	*) echo 1 ;;
	esac
}

big_json=$dir/zeek__mysql_auth.pcap
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	"$ZONEWALL" flows -r "$f" --format tsv >"$tmp/out" 2>"$tmp/err"
	rc=$?
	want=$(want_status "$n")
	if [ "$want" = any ]; then
		[ "$rc" -le 1 ]
		tap_ok $? "$n: exit status $rc is 0 or 1 (not in MANIFEST.tsv)"
	else
		tap_is "$rc" "$want" "$n: exit status"
	fi
	[ "$rc" -eq 0 ] || [ -s "$tmp/err" ]
	tap_ok $? "$n: a failure says why on stderr"
	if [ -e "$dir/expected/$n.flows" ]; then
		got=$(cut -f1-4 "$tmp/out" | tr '\t' ' ' | LC_ALL=C sort -u)
		tap_is "$got" "$(cat "$dir/expected/$n.flows")" "$n: flows equal tshark's"
	fi
	# Every row has the seven TSV columns.
	awk -F'\t' 'NF != 7 { exit 1 }' "$tmp/out"
	tap_ok $? "$n: every row has 7 tab-separated columns"
done

# --json is --format json (every command that prints rows takes --json)
if [ -e "$big_json" ]; then
	tap_is "$("$ZONEWALL" flows -r "$big_json" --json 2>/dev/null)" \
		"$("$ZONEWALL" flows -r "$big_json" --format json 2>/dev/null)" "flows --json = --format json"
fi

# A capture cut short in the middle of a record: the flows read so far are
# printed, the damage is reported, exit 1.
big=$dir/ppp__example.pcap
if [ -e "$big" ]; then
	size=$(stat -c %s "$big")
	head -c $((size / 2 + 7)) "$big" >"$tmp/cut.pcap"
	"$ZONEWALL" flows -r "$tmp/cut.pcap" --format tsv >"$tmp/out" 2>"$tmp/err"
	tap_is "$?" 1 "cut capture: exit 1"
	grep -q 'cut.pcap' "$tmp/err"
	tap_ok $? "cut capture: the error names the file"
	[ -s "$tmp/out" ]
	tap_ok $? "cut capture: flows read before the damage are printed"
	cut -f1-4 "$tmp/out" | tr '\t' ' ' | LC_ALL=C sort -u >"$tmp/got"
	LC_ALL=C comm -23 "$tmp/got" "$dir/expected/ppp__example.pcap.flows" >"$tmp/extra"
	[ ! -s "$tmp/extra" ]
	tap_ok $? "cut capture: every flow printed is one the whole file has"
fi

# An unreadable file: one clear error, exit 1; a missing -r: usage, exit 2.
"$ZONEWALL" flows -r "$tmp/nonexistent.pcap" >"$tmp/out" 2>"$tmp/err"
tap_is "$?" 1 "missing file: exit 1"
tap_is "$(wc -l <"$tmp/err")" 1 "missing file: one line of error"
"$ZONEWALL" flows >/dev/null 2>&1
tap_is "$?" 2 "no source: usage error"
tap_done
