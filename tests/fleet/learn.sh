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
A=zwfa$$ B=zwfb$$ AC=zwfac$$ BC=zwfbc$$
fleet_hosts_add "$A" "$B" || tap_bail "cannot make the hosts' namespaces"
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"

# each host: a container bridge cbr0 with one container namespace on it
host_net() {	# host_net HOST-NS CONTAINER-NS N (10.78.N.0/24)
	ip -n "$1" link add cbr0 type bridge && ip -n "$1" addr add "10.78.$3.1/24" dev cbr0 &&
		ip -n "$1" link set cbr0 up && ns_add "$2" &&
		ip -n "$1" link add "c$3" type veth peer name eth0 netns "$2" &&
		ip -n "$1" link set "c$3" master cbr0 up &&
		ip -n "$2" addr add "10.78.$3.10/24" dev eth0 && ip -n "$2" link set eth0 up &&
		ip -n "$2" route add default via "10.78.$3.1" &&
		ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
}
host_net "$A" "$AC" 1 && host_net "$B" "$BC" 2 || tap_bail "cannot build the container networks"
ip -n "$A" route add 10.78.2.0/24 via 10.77.0.3 && ip -n "$B" route add 10.78.1.0/24 via 10.77.0.2 ||
	tap_bail "cannot route between the hosts"
serve "$BC" 5432
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "A's container reaches B's db on tcp/5432 (routed)"

cat >"$FLEET_DIR/policy.json" <<'JSON'
{
  "version": 1,
  "default_zone": "outside",
  "zones": [
    { "name": "outside", "mode": "enforce" },
    { "name": "web", "mode": "enforce", "match": { "labels": { "zonewall.zone": "web" } } },
    { "name": "data", "mode": "enforce" }
  ],
  "allow": [
    { "from": "web", "to": "db", "proto": "tcp", "port": 5432, "comment": "web reads db" }
  ]
}
JSON
cat >"$FLEET_DIR/inventory.json" <<'JSON'
{ "version": 1, "entries": [ { "name": "db", "zone": "data", "cidrs": ["10.78.2.10/32"] } ] }
JSON
chmod 0600 "$FLEET_DIR/inventory.json"
run_cmd zwf push "$FLEET_DIR/policy.json"
tap_is "$rc" 0 "the fleet's policy pushed ($err)"
mkdir -p -m 0700 "$FLEET_DIR/$B"
cat >"$FLEET_DIR/$B/zonewalld.conf" <<CONF
mode = learn
runtime = none
inventory = $FLEET_DIR/inventory.json
bridges = cbr0
checkpoint_interval = 1
state_dir = $FLEET_DIR/$B/state
audit_log = $FLEET_DIR/$B/state/audit.log
control_socket = $FLEET_DIR/$B/zwd.sock
control_group = none
fleet = etcd://10.77.0.1:2379
fleet_host = host-b
fleet_lease_ttl = 5
CONF
chmod 0600 "$FLEET_DIR/$B/zonewalld.conf"
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
ectl put --lease="$lease" /zonewall/v1/endpoints/host-a/10.78.1.10 \
	'{"identity":"web","labels":{"zonewall.zone":"web"},"networks":[],"addrs":["10.78.1.10/32"],"host":"host-a"}' >/dev/null
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
