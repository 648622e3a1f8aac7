#!/bin/bash
# The fleet on a three-member etcd cluster, as production runs it: two
# hosts' daemons (enforce) and the CLI name all three members.  Killing
# the member everyone talks to first changes nothing (a push still reaches
# both kernels, the daemons stay reachable); a daemon stopped (SIGSTOP)
# past its lease TTL loses its report and its endpoints in etcd and in its
# peer's kernel, and comes back by itself on SIGCONT; a compaction of
# etcd's history is no event (the watches stand past it; one that needed
# compacted revisions would list again): a record written after it still
# reaches the peer's kernel.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require_daemons
A=zwfa$$ B=zwfb$$
fleet_hosts_add "$A" "$B" || tap_bail "cannot make the hosts' namespaces"
fleet_cluster_start || tap_bail "the etcd cluster did not start: $(tail -3 "$FLEET_DIR"/*/log)"
EPS=10.77.0.1:2379,10.77.0.1:2479,10.77.0.1:2579
P=$top_srcdir/rules/policy.example.json
install -m 0600 "$top_srcdir/rules/inventory.json" "$FLEET_DIR/inventory.json"
fleet_host_conf "$A" host-a "" "$EPS"
fleet_host_conf "$B" host-b "" "$EPS"
zw() { fx "$ZONEWALL" fleet "$1" --fleet "etcd://127.0.0.1:2379,127.0.0.1:2479,127.0.0.1:2579" "${@:2}"; }
hosts() { zw status --json | jq -c '[.hosts[] | [.host, .epoch, .state]]'; }
hosts_are() { [ "$(hosts 2>/dev/null)" = "$1" ]; }
ruleset() { ip netns exec "$1" nft list table inet zonewall 2>/dev/null; }
ectl3() { fx etcdctl --endpoints 127.0.0.1:2479,127.0.0.1:2579 "$@"; }

run_cmd zw push "$P"
tap_is "$rc" 0 "epoch 1 pushed to the cluster ($err)"
fleet_host_start "$A" && fleet_host_start "$B" || tap_bail "a zonewalld did not start: $(tail -3 "$FLEET_DIR"/*/log)"
wait_for 20 hosts_are '[["host-a",1,"ready"],["host-b",1,"ready"]]'
tap_is "$(hosts)" '[["host-a",1,"ready"],["host-b",1,"ready"]]' "both hosts hold epoch 1"

# the member everyone asks first goes away
fleet_etcd_stop a
jq '(.zones[] | select(.name == "web") | .mode) = "monitor"' "$P" >"$FLEET_DIR/p2.json"
run_cmd zw push "$FLEET_DIR/p2.json"
tap_is "$rc" 0 "member a killed: a push still lands ($out)"
zmode() { ip netns exec "$1" "$ZONEWALL" status --json | jq -r '.zones[] | select(.zone == "web") | .mode'; }
both_monitor() { [ "$(zmode "$A"),$(zmode "$B")" = monitor,monitor ]; }
wait_for 20 both_monitor
tap_ok $? "and reaches both kernels (zone web monitors)"
wait_for 20 hosts_are '[["host-a",2,"ready"],["host-b",2,"ready"]]'
tap_is "$(hosts)" '[["host-a",2,"ready"],["host-b",2,"ready"]]' "both report epoch 2, ready: the daemons moved to the members left"
watching() { "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$1/zwd.sock" --json | jq -e .fleet.watching >/dev/null; }
both_watch() { watching "$A" && watching "$B"; }
wait_for 10 both_watch
tap_ok $? "and both watch the members left (their streams from member a ended with it)"

# host b's own endpoint, on host b's lease: its peer puts it in its tables
lease_b=$("$ZONEWALL" daemon-status --socket "$FLEET_DIR/$B/zwd.sock" --json | sed -n 's/.*"lease": *\([0-9]*\).*/\1/p')
ectl3 put --lease="$(printf '%x' "$lease_b")" /zonewall/v1/endpoints/host-b/10.77.8.8 \
	'{"identity":"db","labels":{"zonewall.zone":"data"},"addrs":["10.77.8.8/32"],"host":"host-b"}' >/dev/null
has_b() { ruleset "$A" | grep -q '10\.77\.8\.8'; }
wait_for 20 has_b
tap_ok $? "host b's endpoint (on host b's lease) is in host a's tables"
kill -STOP "${ZPID[$B]}"
t0=$SECONDS
gone_b() { ! has_b && hosts_are '[["host-a",2,"ready"]]'; }
wait_for 30 gone_b
tap_ok $? "host b's daemon stopped past its 5 s TTL: its report and endpoint are gone, from etcd and host a's tables, after $((SECONDS - t0)) s"
kill -CONT "${ZPID[$B]}"
wait_for 20 hosts_are '[["host-a",2,"ready"],["host-b",2,"ready"]]'
tap_is "$(hosts)" '[["host-a",2,"ready"],["host-b",2,"ready"]]' "SIGCONT: host b reports again (a new lease)"

# a compaction of etcd's history changes nothing
rev=$(ectl3 endpoint status -w json | jq '.[0].Status.header.revision')
ectl3 compact "$rev" >/dev/null
tap_ok $? "etcd compacted at revision $rev"
lease=$(ectl3 lease grant 60 | awk '{print $2}')
ectl3 put --lease="$lease" /zonewall/v1/endpoints/host-c/10.77.9.9 \
	'{"identity":"db","labels":{"zonewall.zone":"data"},"addrs":["10.77.9.9/32"],"host":"host-c"}' >/dev/null
has_c() { ruleset "$A" | grep -q '10\.77\.9\.9' && ruleset "$B" | grep -q '10\.77\.9\.9'; }
wait_for 20 has_c
tap_ok $? "a record written after the compaction reaches both kernels"
tap_is "$(zmode "$A"),$(zmode "$B")" monitor,monitor "and both still enforce epoch 2"
tap_done
