#!/bin/bash
# Cross-host traffic under the fleet's policy, real packets.  Host A's
# container (10.78.1.10, identity web) talks to host B's (10.78.2.10, the
# inventory's db, zone data) over container networks routed between the
# hosts; zonewalld enforces on B.  The fleet's record of A's container is
# written here with etcdctl, as A's daemon would publish it, on a lease.
# Control: with no record, A's address is in B's default zone and the
# connection is refused (fail closed; it passes with no zonewall at all).
# With the record, B's tables put A's address in zone web and the rule
# web -> db tcp/5432 lets it through; when the lease ends it is refused
# again.  Counted, and B's kernel view checked with nft.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require
[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
for t in nft nc python3; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
fleet_sites
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "control: with no zonewall, A's container reaches B's db on tcp/5432"
fleet_site_daemon enforce
start_b() {
	(exec ip netns exec "$B" "$ZONEWALLD" --foreground -c "$FLEET_DIR/$B/zonewalld.conf" 2>>"$FLEET_DIR/$B/log") &
	zpid=$!
	on_cleanup "kill $zpid; wait $zpid"
	wait_for 20 "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock"
}
stop_b() { kill "$zpid"; wait "$zpid" 2>/dev/null; }
start_b || tap_bail "zonewalld on host b did not start: $(tail -5 "$FLEET_DIR/$B/log")"
ruleset() { ip netns exec "$B" nft list table inet zonewall 2>/dev/null; }
wait_for 10 sh -c "ip netns exec $B nft list table inet zonewall >/dev/null 2>&1"

refused=0
tries() {	# tries N: connections that got through, of N
	local n=0 i
	for ((i = 0; i < $1; i++)); do [ "$(talk "$AC" 10.78.2.10 5432)" = pong ] && n=$((n + 1)); done
	echo "$n"
}
got=$(tries 5)
refused=$((refused + 5 - got))
tap_is "$got" 0 "no record of A's container: B refuses it (its address is in the default zone), 5 of 5"
lease=$(ectl lease grant 60 | awk '{print $2}')
fleet_put_a "$lease"
has_a() { ruleset | grep -q '10\.78\.1\.10'; }
t0=$SECONDS
wait_for 20 has_a
tap_ok $? "A's container published: its address is in B's tables (nft) within $((SECONDS - t0)) s"
tap_is "$(tries 5)" 5 "web on host A reaches db on host B on tcp/5432: 5 of 5"
tap_is "$(talk "$AC" 10.78.2.10 22)" "" "but not on a port the rule does not name"
ectl lease revoke "$lease" >/dev/null
gone_a() { ! has_a; }
wait_for 20 gone_a
tap_ok $? "host A's lease ended: its address left B's tables"
got=$(tries 5)
refused=$((refused + 5 - got))
tap_is "$got" 0 "and the connection is refused again, 5 of 5"
tap_diag "refused across hosts: $refused of 10 attempts without a live record; allowed 5 of 5 with one"

# a daemon that starts while A's record is there holds it in its first tables
lease=$(ectl lease grant 120 | awk '{print $2}')
fleet_put_a "$lease"
wait_for 20 has_a
stop_b
start_b || tap_bail "zonewalld on host b did not restart"
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "restarted: the first connection after it answers gets through (remote endpoints in its first tables)"
# etcd away at a start: the last policy and the last remote endpoints, frozen
stop_b
fleet_etcd_stop a
start_b || tap_bail "zonewalld on host b did not start with etcd away: $(tail -3 "$FLEET_DIR/$B/log")"
tap_is "$("$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock" --json | jq -r .fleet.state)" fleet_stale \
	"started with etcd away: fleet_stale"
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "and still enforcing the fleet's policy with A's endpoint (kept from the last list)"
tap_is "$(talk "$AC" 10.78.2.10 22)" "" "the rule's other ports stay shut"
tap_done
