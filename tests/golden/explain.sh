#!/bin/bash
# zonewall explain: the answer replay gives.  Every flow of the golden replay
# (learn/replay.json: what `replay` prints for the shared captures against
# learn/approved.json, checked by learn.sh) is asked again by address, and
# by identity where it has one: the verdict, reason, identities and zones
# must be replay's.  Then zone:NAME ends, the modes' effect, the exit
# status of a refusal, and refused inputs.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"

dir=$top_srcdir/tests/golden/learn
inv=$dir/inventory.json
pol=$dir/approved.json
ask() { "$ZONEWALL" explain "$@" --policy "$pol" --inventory "$inv" --runtime none --json; }

# --- every replayed flow, by address and by identity -----------------------------
n=0 bad=() bad_id=()
while IFS=$'\t' read -r verdict reason from to proto port src dst fz tz; do
	svc=$proto${port:+/$port}
	want="$verdict $reason $from $to $fz $tz"
	got=$(ask "$src" "$dst" "$svc" | jq -r '"\(.verdict) \(.reason) \(.from.identity) \(.to.identity) \(.from.zone) \(.to.zone)"')
	[ "$got" = "$want" ] || bad+=("$src -> $dst $svc: replay '$want', explain '$got'")
	case "$from$to" in *unknown:*|*internet*) ;; *)
		got=$(ask "$from" "$to" "$svc" | jq -r '"\(.verdict) \(.reason) \(.from.identity) \(.to.identity) \(.from.zone) \(.to.zone)"')
		[ "$got" = "$want" ] || bad_id+=("$from -> $to $svc: replay '$want', explain '$got'")
	esac
	n=$((n + 1))
done < <(jq -r '.flows[] | [.verdict, .reason, .from, .to, .proto, (.port // ""), .src, .dst,
	.from_zone, .to_zone] | @tsv' "$dir/replay.json")
tap_ok "$([ "$n" -ge 12 ]; echo $?)" "the golden replay has $n flows"
tap_is "$(printf '%s\n' "${bad[@]}" | sed '/^$/d')" "" "by address, explain agrees with replay on all $n"
tap_is "$(printf '%s\n' "${bad_id[@]}" | sed '/^$/d')" "" "by identity too, where the flow has them (not the internet range)"

# --- text, modes, exit status -------------------------------------------------------
run_cmd "$ZONEWALL" explain app-server db tcp/3306 --policy "$pol" --inventory "$inv" --runtime none
tap_is "$rc" 3 "a refused flow: exit 3"
tap_is "$out" "app-server -> db tcp/3306: refused
  from      app-server (zone app, inventory) at 172.16.238.131
  to        db (zone data, inventory) at 192.168.1.8
  decided   no rule names it (border app -> data: allowlist, the default)
  in effect dropped (zone modes: app $(jq -r '.zones[] | select(.name == "app") | .mode' "$pol"), data $(jq -r '.zones[] | select(.name == "data") | .mode' "$pol"))" \
	"as text: the ends, what decided, what the kernel does"
run_cmd "$ZONEWALL" explain admin-ws app-server tcp/22 --policy "$pol" --inventory "$inv" --runtime none
tap_ok "$([ "$rc" = 0 ] && grep -q 'allowed' <<<"$out" && grep -q 'decided   rule \$\.allow\[[0-9]*\] admin-ws -> app-server' <<<"$out"; echo $?)" \
	"an allowed flow: exit 0, naming the rule: $(sed -n 4p <<<"$out")"
run_cmd ask zone:app zone:internet tcp/443
tap_ok "$([ "$rc" = 3 ] && [ "$(jq -r '.reason + " " + .from.identity + " " + .to.zone' <<<"$out")" = "border-deny zone:app internet" ]; echo $?)" \
	"zone:NAME ends: the border between the zones decides"
tap_is "$(jq -r '.from.source' <<<"$out")" "zone" "and say they are a zone"

# --- refused inputs ---------------------------------------------------------------
run_cmd ask admin-ws db tcp
tap_ok "$([ "$rc" = 2 ] && grep -q 'tcp: expected tcp/PORT' <<<"$err"; echo $?)" "tcp without a port: exit 2: $(head -1 <<<"$err")"
run_cmd ask admin-ws db icmp/8
tap_is "$rc" 2 "icmp with a port: exit 2"
run_cmd ask admin-ws db tcp/70000
tap_is "$rc" 2 "port 70000: exit 2"
run_cmd ask nosuch db tcp/80
tap_ok "$([ "$rc" = 1 ] && grep -q "nosuch: not an address, and neither the inventory nor the runtime" <<<"$err"; echo $?)" \
	"an identity nobody knows: exit 1, named: $err"
run_cmd ask app-server internet tcp/80
tap_ok "$([ "$rc" = 1 ] && grep -q "internet is an address range in the inventory: ask with one of its addresses" <<<"$err"; echo $?)" \
	"an identity that is a range has no one zone: exit 1, asking for an address"
run_cmd ask zone:nosuch db tcp/80
tap_ok "$([ "$rc" = 1 ] && grep -q "the policy has no zone nosuch" <<<"$err"; echo $?)" "an unknown zone: exit 1"
run_cmd ask 172.16.238.1 ff02::fb udp/5353
tap_ok "$([ "$rc" = 1 ] && grep -q "not of one address family" <<<"$err"; echo $?)" "mixed families: exit 1"
run_cmd "$ZONEWALL" explain a b tcp/80
tap_ok "$([ "$rc" = 2 ] && grep -q -- '--policy is required' <<<"$err"; echo $?)" "no policy: exit 2"
tap_done
