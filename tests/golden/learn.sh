#!/bin/bash
# End to end on real captures (the shared pcaps: zeek__var-services-std-ports.pcap,
# a workstation, an application server, DNS, the internet; zeek__mysql_auth.pcap,
# the application server and its database) with learn/inventory.json naming
# some addresses and leaving others unknown:
#   learn -> proposal (golden), unknown addresses kept as unknown:ADDRESS,
#   zones from the inventory agree with zones from the policy's selectors;
#   review (golden table); approve --all refused across the deny border and
#   --all --skip-denied equal to an expected policy; replay (golden table and
#   JSON) refusing by border and for want of a rule; merging the proposals of
#   two captures (and of two halves of one) equals learning them at once;
#   -o onto an existing proposal merges, distinct runs count; a damaged
#   proposal or capture leaves the output untouched.
# Regenerate after an intended change: ZW_GOLDEN_UPDATE=1 make check
. "$(dirname "$0")/../lib/common.sh"

pcaps=${ZW_PCAPS:-$top_srcdir/../shared/pcaps}
var=$pcaps/zeek__var-services-std-ports.pcap
sql=$pcaps/zeek__mysql_auth.pcap
[ -r "$var" ] && [ -r "$sql" ] ||
	tap_skip_all "no shared captures at $pcaps (set ZW_PCAPS)"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"

dir=$top_srcdir/tests/golden/learn
inv=$dir/inventory.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZONEWALL_NOW=2026-01-10T12:00:00Z

golden() {	# golden NAME TEXT DESCRIPTION: compare TEXT with learn/NAME
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$2" >"$dir/$1"
	tap_is "$2" "$(cat "$dir/$1")" "$3"
}

# --- learn ------------------------------------------------------------------
run_cmd "$ZONEWALL" learn -r "$var" --inventory "$inv" --run-id stage-1 -o "$tmp/p.json"
tap_is "$rc" 0 "learn exits 0"
golden learn.out "${out//"$tmp"/TMP}" "learn says what it wrote"
golden proposal.json "$(cat "$tmp/p.json")" "the proposal equals the expected one"
run_cmd "$ZONEWALL" validate "$tmp/p.json"
tap_is "$rc" 0 "the proposal validates"
tap_is "$(jq -r '[.edges[] | .from, .to | select(startswith("unknown:"))] | unique | join(" ")' "$tmp/p.json")" \
	"unknown:172.16.238.255 unknown:224.0.0.251 unknown:fe80::20c:29ff:febd:6f01 unknown:ff02::fb" \
	"addresses nobody names are kept as unknown:ADDRESS"
tap_is "$(jq -r '.edges[] | select(.to == "internet") | .samples[0].to' "$tmp/p.json" | sort | tr '\n' ' ')" \
	"141.142.192.39 69.50.219.51 74.125.225.81 " "the internet entry (0.0.0.0/0 minus private) names the rest"

run_cmd "$ZONEWALL" learn -r "$var" --inventory "$inv" --policy "$dir/policy-start.json" \
	--run-id stage-1 -o "$tmp/pp.json"
known='[.edges[] | select((.from + .to | contains("unknown:")) | not) | [.id, .from_zone, .to_zone]]'
tap_is "$(jq -c "$known" "$tmp/pp.json")" "$(jq -c "$known" "$tmp/p.json")" \
	"--policy: the policy's selectors give the inventory's zones here"
tap_is "$(jq -r '.edges[] | select(.to == "unknown:172.16.238.255") | .to_zone' "$tmp/pp.json")" "lan" \
	"--policy: an unknown address is in the policy's default zone"

# --- review and approve ---------------------------------------------------------
run_cmd "$ZONEWALL" review "$tmp/p.json" --policy "$dir/policy-start.json"
tap_is "$rc" 0 "review exits 0"
golden review.table "$out" "review: new edges, then those the app -> internet border refuses"
tap_fits "$out" "review: the table fits 120 columns"
run_cmd "$ZONEWALL" review "$tmp/p.json" --policy "$dir/policy-start.json" --wide
golden review.wide "$out" "review --wide: every column, nothing cut"

cp "$dir/policy-start.json" "$tmp/policy.json"
run_cmd "$ZONEWALL" approve "$tmp/p.json" --policy "$tmp/policy.json" --all --by carol
tap_is "$rc" 2 "approve --all across the deny border is refused"
tap_ok "$(cmp -s "$dir/policy-start.json" "$tmp/policy.json"; echo $?)" "and the policy is byte-identical"
run_cmd "$ZONEWALL" approve "$tmp/p.json" --policy "$tmp/policy.json" --all --skip-denied --by carol
tap_is "$rc" 0 "approve --all --skip-denied exits 0"
golden approved.json "$(cat "$tmp/policy.json")" "the approved policy equals the expected one"

# --- replay ----------------------------------------------------------------------
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" -r "$sql" --inventory "$inv"
tap_is "$rc" 0 "replay exits 0 although it refuses flows"
golden replay.table "$out" "replay: refused by border, refused without a rule, allowed by which rule"
tap_fits "$out" "replay: the table fits 120 columns"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" -r "$sql" --inventory "$inv" --wide
golden replay.wide "$out" "replay --wide: addresses, first seen, WHY in full"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" -r "$sql" --inventory "$inv" --json
golden replay.json "$out" "replay --json: the same rows and the summary"
tap_is "$(jq -c '.summary | [.flows, .refused_by_border, .refused_no_rule, .allowed_by_rule]' <<<"$out")" \
	"[12,3,1,8]" "replay --json parses (jq): 3 border refusals, 1 without a rule, 8 by rules"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$sql"
tap_is "$(grep -c '^refused  unknown:192.168.1.3 ' <<<"$out")" 1 \
	"replay without the inventory: identities unknown:ADDRESS"
tap_is "$rc" 1 "every end unknown: exit 1 (the verdicts would be about addresses only)"
tap_ok "$(grep -q 'no end of any of the .* flows resolved to an identity.*--proposal FILE' <<<"$err"; echo $?)" \
	"and it says so, naming --proposal: $(tail -1 <<<"$err")"
# the identities of the time: the containers (here the inventory) are gone,
# the proposal learned then still knows who the addresses were
run_cmd "$ZONEWALL" learn -r "$var" -r "$sql" --inventory "$inv" --run-id then -o "$tmp/then.json"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" -r "$sql" --inventory "$inv" --json
with_inv=$(jq -c '[.flows[] | [.verdict, .reason, .from, .to, .from_zone, .to_zone]]' <<<"$out")
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" -r "$sql" --proposal "$tmp/then.json" --json
tap_is "$(jq -c '[.flows[] | [.verdict, .reason, .from, .to, .from_zone, .to_zone]]' <<<"$out")" \
	"$with_inv" "replay --proposal without the inventory: the same identities, zones and verdicts"
tap_ok "$([ "$rc" = 0 ] && [ "$(jq '[.flows[] | select(.from_source == "proposal")] | length' <<<"$out")" -gt 0 ]; echo $?)" \
	"the ends say they come from the proposal"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -r "$var" --proposal "$tmp/then.json"
tap_ok "$(grep -q 'flow ends resolved to no identity' <<<"$err" && ! grep -q -- '--proposal FILE resolves' <<<"$err"; echo $?)" \
	"the ends it cannot know (broadcast, multicast) are counted: $(tail -1 <<<"$err")"
run_cmd "$ZONEWALL" replay "$tmp/policy.json" -i lo
tap_is "$rc" 2 "replay reads files only"
run_cmd "$ZONEWALL" replay -r "$sql"
tap_is "$rc" 2 "replay without a policy is a usage error"
printf '{"version": 1}\n' >"$tmp/bad-policy.json"
run_cmd "$ZONEWALL" replay "$tmp/bad-policy.json" -r "$sql"
tap_is "$rc" 2 "replay with an invalid policy: exit 2"

# --- merging equals learning at once ---------------------------------------------------
run_cmd "$ZONEWALL" learn -r "$var" -r "$sql" --inventory "$inv" --run-id r -o "$tmp/both.json"
"$ZONEWALL" learn -r "$var" --inventory "$inv" --run-id r -o "$tmp/a.json" >/dev/null
"$ZONEWALL" learn -r "$sql" --inventory "$inv" --run-id r -o "$tmp/b.json" >/dev/null
"$ZONEWALL" merge "$tmp/a.json" "$tmp/b.json" -o "$tmp/ab.json" >/dev/null
tap_ok "$(cmp -s "$tmp/both.json" "$tmp/ab.json"; echo $?)" \
	"merge of two captures' proposals == learning both at once"

if command -v tshark >/dev/null; then
	# Two halves of one capture: flows (udp/53: 54 datagrams) span the cut.
	tshark -r "$var" -Y 'frame.number <= 172' -w "$tmp/h1.pcap" -F pcap 2>/dev/null
	tshark -r "$var" -Y 'frame.number > 172' -w "$tmp/h2.pcap" -F pcap 2>/dev/null
	"$ZONEWALL" learn -r "$tmp/h1.pcap" --inventory "$inv" --run-id r -o "$tmp/h1.json" >/dev/null
	"$ZONEWALL" learn -r "$tmp/h2.pcap" --inventory "$inv" --run-id r -o "$tmp/h2.json" >/dev/null
	"$ZONEWALL" merge "$tmp/h1.json" "$tmp/h2.json" -o "$tmp/h12.json" >/dev/null
	"$ZONEWALL" learn -r "$tmp/h1.pcap" -r "$tmp/h2.pcap" --inventory "$inv" --run-id r \
		-o "$tmp/hboth.json" >/dev/null
	tap_ok "$(cmp -s "$tmp/hboth.json" "$tmp/h12.json"; echo $?)" \
		"two halves of one capture: merged == learnt at once"
	tap_ok "$(cmp -s "$tmp/hboth.json" "$tmp/a.json"; echo $?)" "and == learning the whole capture"
	split=$(jq '[.edges[] | select(.id == "48c9ed16d448") | .packets] | add' "$tmp/h1.json")
	[ "$split" -gt 0 ] && [ "$split" -lt 54 ]
	tap_ok $? "the cut really splits an edge (udp/53: $split of 54 datagrams in the first half)"
else
	tap_skip "tshark missing: cannot split a capture"
fi

# -o onto an existing proposal merges; default run ids differ per run.
"$ZONEWALL" learn -r "$var" --inventory "$inv" -o "$tmp/acc.json" >/dev/null
"$ZONEWALL" learn -r "$sql" --inventory "$inv" -o "$tmp/acc.json" >/dev/null
tap_is "$(jq -c 'del(.edges[].runs)' "$tmp/acc.json")" "$(jq -c 'del(.edges[].runs)' "$tmp/both.json")" \
	"-o twice == learning both at once (edges and evidence, modulo run ids)"
"$ZONEWALL" learn -r "$var" --inventory "$inv" -o "$tmp/acc.json" >/dev/null
tap_is "$(jq '[.edges[].runs[]] | unique | length' "$tmp/acc.json")" 3 "three runs, three distinct run ids"
tap_is "$(jq '[.edges[] | select(.id == "48c9ed16d448") | .runs | length] | add' "$tmp/acc.json")" 2 \
	"an edge seen in two runs counts two runs"
tap_is "$(jq '.edges[] | select(.id == "48c9ed16d448") | .packets' "$tmp/acc.json")" 108 \
	"and its packets add up (54 + 54)"

# --- bad input ------------------------------------------------------------------------
printf '{"version": 1, "edges": [{"id": "x"}]}\n' >"$tmp/damaged.json"
cp "$tmp/damaged.json" "$tmp/damaged.orig"
run_cmd "$ZONEWALL" learn -r "$var" -o "$tmp/damaged.json"
tap_is "$rc" 2 "learn onto a damaged proposal: exit 2"
tap_ok "$(cmp -s "$tmp/damaged.json" "$tmp/damaged.orig"; echo $?)" "and it is never overwritten"
size=$(stat -c %s "$var")
head -c $((size / 2 + 7)) "$var" >"$tmp/cut.pcap"
run_cmd "$ZONEWALL" learn -r "$tmp/cut.pcap" -o "$tmp/cut.json"
tap_is "$rc" 1 "a capture damaged part-way: exit 1"
tap_ok "$([ ! -e "$tmp/cut.json" ]; echo $?)" "and nothing is written"
tap_ok "$(grep -q 'cut.pcap' <<<"$err"; echo $?)" "the error names the capture"
run_cmd "$ZONEWALL" learn -r "$var" --run-id 'a b' -o "$tmp/x.json"
tap_is "$rc" 2 "a run id with a space is a usage error"
run_cmd "$ZONEWALL" learn -r "$var"
tap_is "$rc" 2 "learn without -o is a usage error"
run_cmd "$ZONEWALL" learn -r "$var" -i lo -o "$tmp/x.json"
tap_is "$rc" 2 "files and live capture exclude each other"
printf '{"version": 1, "entries": [{"name": "x"}]}\n' >"$tmp/bad-inv.json"
run_cmd "$ZONEWALL" learn -r "$var" --inventory "$tmp/bad-inv.json" -o "$tmp/x.json"
tap_is "$rc" 2 "an invalid inventory is refused"
tap_is "$err" "$tmp/bad-inv.json: \$.entries[0]: missing key 'zone'
$tmp/bad-inv.json: \$.entries[0]: missing key 'cidrs'
zonewall learn: $tmp/bad-inv.json: invalid inventory (2 problems)" "every problem named, one line each, with its JSON path"
tap_ok "$([ ! -e "$tmp/x.json" ]; echo $?)" "nothing written"
tap_is "$(find "$tmp" -name '*.tmp*' -o -name '*zwtmp*' | wc -l)" 0 "no temporary files left behind"

tap_done
