#!/bin/bash
# Learning across hosts: zonewalld on host B learns (capturing on its
# container bridge) while host A's container (10.78.1.10) talks to B's db
# over routed container networks.  Without a record of A's container in
# the fleet, the edge is from unknown:10.78.1.10 (control); once A's record
# is there (written with etcdctl, as A's daemon would publish it), the
# same traffic is learned as web -> db, its source "fleet".  B shares its
# checkpoints, and `zonewall fleet proposal` merges the fleet's.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require
[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
for t in nft nc python3; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
fleet_sites
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "A's container reaches B's db on tcp/5432 (routed)"
fleet_site_daemon learn 'checkpoint_interval = 1'
(exec ip netns exec "$B" "$ZONEWALLD" --foreground -c "$FLEET_DIR/$B/zonewalld.conf" 2>"$FLEET_DIR/$B/log") &
zpid=$!
on_cleanup "kill $zpid; wait $zpid"
wait_for 20 "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock" ||
	tap_bail "zonewalld on host b did not start: $(tail -5 "$FLEET_DIR/$B/log")"
prop=$FLEET_DIR/$B/state/proposal.json
edge() {	# edge FROM: the proposal has FROM -> db tcp/5432
	jq -e --arg f "$1" '[.edges[] | select(.from == $f and .to == "db" and .port == 5432)] | length > 0' \
		"$prop" >/dev/null 2>&1
}
talked() { [ "$(talk "$AC" 10.78.2.10 5432)" = pong ] && edge "$1"; }
wait_for 20 talked unknown:10.78.1.10
tap_ok $? "no record of A's container: learned as unknown:10.78.1.10 -> db"
lease=$(ectl lease grant 60 | awk '{print $2}')
fleet_put_a "$lease"
known() { "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock" --json | jq -e '.fleet.remote_endpoints == 1' >/dev/null; }
wait_for 20 known
tap_ok $? "host b took A's record"
wait_for 20 talked web
tap_ok $? "the same traffic is now learned as web -> db"
tap_is "$(jq -r '[.edges[] | select(.from == "web" and .to == "db")][0].from_zone' "$prop")" web \
	"in zone web, as the policy's selectors put A's labels"
# the host shares its checkpoints; `fleet proposal` merges what the fleet learned
shared() {
	fx "$ZONEWALL" fleet proposal --fleet "$FLEET_URL" -o "$FLEET_DIR/fleet.json" >/dev/null 2>&1 &&
		jq -e '[.edges[] | select(.from == "web" and .to == "db")] | length == 1' \
			"$FLEET_DIR/fleet.json" >/dev/null
}
wait_for 20 shared
tap_ok $? "zonewall fleet proposal: the fleet's proposal has web -> db, as host b learned it"
tap_is "$(jq -c '[.edges[] | select(.from == "web" and .to == "db")][0].runs | length' "$FLEET_DIR/fleet.json")" 1 \
	"with host b's run as its evidence"
tap_is "$("$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock" --json | jq -r '.fleet.proposal' | cut -d: -f1)" shared \
	"daemon-status says the proposal is shared"
run_cmd fx "$ZONEWALL" fleet proposal --fleet "$FLEET_URL" --prefix /nobody
tap_is "$rc" 1 "a prefix no host shares under: exit 1 ($(head -1 <<<"$err"))"
tap_done
