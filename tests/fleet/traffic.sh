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
tap_is "$(talk "$AC" 10.78.2.10 5432)" pong "control: with no zonewall, A's container reaches B's db on tcp/5432"

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
mode = enforce
runtime = none
inventory = $FLEET_DIR/inventory.json
bridges = cbr0
state_dir = $FLEET_DIR/$B/state
audit_log = $FLEET_DIR/$B/state/audit.log
control_socket = $FLEET_DIR/$B/zwd.sock
control_group = none
fleet = etcd://10.77.0.1:2379
fleet_host = host-b
fleet_lease_ttl = 5
CONF
chmod 0600 "$FLEET_DIR/$B/zonewalld.conf"
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
ectl put --lease="$lease" /zonewall/v1/endpoints/host-a/10.78.1.10 \
	'{"identity":"web","labels":{"zonewall.zone":"web"},"networks":[],"addrs":["10.78.1.10/32"],"host":"host-a"}' >/dev/null
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
ectl put --lease="$lease" /zonewall/v1/endpoints/host-a/10.78.1.10 \
	'{"identity":"web","labels":{"zonewall.zone":"web"},"networks":[],"addrs":["10.78.1.10/32"],"host":"host-a"}' >/dev/null
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
