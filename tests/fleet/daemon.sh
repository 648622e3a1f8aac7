#!/bin/bash
# zonewalld in a fleet: two hosts (network namespaces) whose daemons, in
# enforce mode, take their policy from a private etcd.  A daemon with no
# policy pushed refuses to start and installs nothing; a push reaches both
# kernels (nft, the witness) and both hosts report the epoch (etcdctl and
# `zonewall fleet status`); with etcd stopped the tables stay as they
# were and the daemons say fleet_stale, then recover when it returns; a
# host killed with -9 leaves its peers' view when its lease expires, one
# stopped in order at once.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require_daemons
A=zwfa$$ B=zwfb$$
fleet_hosts_add "$A" "$B" || tap_bail "cannot make the hosts' namespaces"
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
P=$top_srcdir/rules/policy.example.json
install -m 0600 "$top_srcdir/rules/inventory.json" "$FLEET_DIR/inventory.json"
dstatus() { "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$1/zwd.sock" --json; }
hosts() { zwf status --json | jq -c '[.hosts[] | [.host, .epoch, .in_sync, .state]]'; }
hosts_are() { [ "$(hosts)" = "$1" ]; }
reachable() { dstatus "$1" | jq -e ".fleet.reachable == $2" >/dev/null; }
ruleset() { ip netns exec "$1" nft list table inet zonewall 2>/dev/null; }
fleet_host_conf "$A" host-a
fleet_host_conf "$B" host-b

run_cmd timeout 30 ip netns exec "$A" "$ZONEWALLD" --foreground -c "$FLEET_DIR/$A/zonewalld.conf"
tap_is "$rc" 1 "no policy pushed yet: zonewalld refuses to start"
tap_ok "$(grep -q 'no policy pushed to /zonewall/v1 yet' <<<"$err" && grep -q 'nothing installed' <<<"$err"; echo $?)" \
	"saying so: $(grep -o 'fleet: .*' <<<"$err" | head -1)"
tap_is "$(ip netns exec "$A" nft list tables)" "" "and nothing is in its kernel"

run_cmd zwf push "$P"
tap_is "$rc" 0 "epoch 1 pushed"
fleet_host_start "$A" || tap_bail "zonewalld on host a did not start: $(tail -5 "$FLEET_DIR/$A/log")"
fleet_host_start "$B" || tap_bail "zonewalld on host b did not start: $(tail -5 "$FLEET_DIR/$B/log")"
wait_for 20 hosts_are '[["host-a",1,true,"ready"],["host-b",1,true,"ready"]]'
tap_is "$(hosts)" '[["host-a",1,true,"ready"],["host-b",1,true,"ready"]]' "both hosts report epoch 1, in sync, ready"
tap_ok "$(ruleset "$A" | grep -q 'chain' && ruleset "$B" | grep -q 'chain'; echo $?)" \
	"both kernels hold the fleet's tables (nft)"
tap_is "$(dstatus "$A" | jq -c '[.fleet.host, .fleet.epoch, .fleet.reachable]')" '["host-a",1,true]' \
	"daemon-status shows the fleet: host, epoch, reachable"
tap_is "$(cmp -s "$P" "$FLEET_DIR/$A/state/fleet-policy.json"; echo $?)" 0 "host a keeps a copy of the policy, byte for byte"
watching() { [ "$(dstatus "$1" | jq .fleet.watching)" = "$2" ]; }
wait_for 10 watching "$A" true
tap_ok $? "host a follows the fleet with watches (daemon-status: watching)"

# epoch 2: zone web turned to monitor reaches both kernels
plain() { ruleset "$1" | grep -v 'counter packets'; }
zmode() { ip netns exec "$1" "$ZONEWALL" status --json | jq -r '.zones[] | select(.zone == "web") | .mode'; }
before_a=$(plain "$A") before_b=$(plain "$B")
tap_is "$(zmode "$A")" enforce "epoch 1: zone web enforces on host a (zonewall status, from the kernel)"
jq '(.zones[] | select(.name == "web") | .mode) = "monitor"' "$P" >"$FLEET_DIR/p2.json"
run_cmd zwf push "$FLEET_DIR/p2.json"
tap_is "$rc" 0 "epoch 2 pushed ($out)"
t0=$SECONDS
changed() { [ "$(plain "$A")" != "$before_a" ] && [ "$(plain "$B")" != "$before_b" ]; }
wait_for 20 changed
tap_ok $? "epoch 2 changed both kernels' tables (nft) within $((SECONDS - t0)) s"
tap_is "$(zmode "$A"),$(zmode "$B")" monitor,monitor "zone web now monitors on both hosts"
wait_for 20 hosts_are '[["host-a",2,true,"ready"],["host-b",2,true,"ready"]]'
tap_is "$(hosts)" '[["host-a",2,true,"ready"],["host-b",2,true,"ready"]]' "both report epoch 2"
metric() { "$ZONEWALL" metrics --socket "$FLEET_DIR/$1/zwd.sock" | awk -v m="$2" '$1 == m {print $2}'; }
tap_is "$(metric "$A" zonewall_fleet_policy_epoch),$(metric "$A" zonewall_fleet_reachable)" 2,1 \
	"metrics: zonewall_fleet_policy_epoch 2, zonewall_fleet_reachable 1"

# another host's endpoint (written here with etcdctl, on a lease of its
# own) enters both kernels' zone sets; its lease ends and it leaves them
lease=$(ectl lease grant 30 | awk '{print $2}')
ectl put --lease="$lease" /zonewall/v1/endpoints/host-c/10.77.9.9 \
	'{"identity":"db","labels":{"zonewall.zone":"data"},"networks":[],"addrs":["10.77.9.9/32"],"host":"host-c"}' >/dev/null
ectl put --lease="$lease" /zonewall/v1/endpoints/host-c/10.77.9.10 '{"identity":""}' >/dev/null
has_c() { ruleset "$1" | grep -q '10\.77\.9\.9'; }
both_c() { has_c "$A" && has_c "$B"; }
t0=$SECONDS
wait_for 20 both_c
tap_ok $? "host c's endpoint 10.77.9.9 is in both kernels' tables (nft) within $((SECONDS - t0)) s"
tap_is "$(dstatus "$A" | jq .fleet.remote_endpoints)" 2 "daemon a counts host c's two records"
tap_ok "$(grep -q 'endpoints/host-c/10.77.9.10: not an endpoint record' "$FLEET_DIR/$A/log"; echo $?)" \
	"the broken one is left out and logged"
ectl lease revoke "$lease" >/dev/null
t0=$SECONDS
gone_c() { ! has_c "$A" && ! has_c "$B"; }
wait_for 20 gone_c
tap_ok $? "its lease revoked: gone from both kernels within $((SECONDS - t0)) s (its address falls to the default zone)"

# etcd away: enforcement goes on unchanged, the daemons say so
before=$(ruleset "$A" | grep -v 'counter packets' )
fleet_etcd_stop a
wait_for 15 reachable "$A" false
tap_ok $? "etcd stopped: daemon a sees it unreachable"
tap_is "$(dstatus "$A" | jq .fleet.watching)" false "its watches ended"
tap_is "$(dstatus "$A" | jq -r .fleet.state)" fleet_stale "its state: fleet_stale"
tap_is "$(metric "$A" zonewall_fleet_reachable)" 0 "metrics: zonewall_fleet_reachable 0"
tap_is "$(ruleset "$A" | grep -v 'counter packets')" "$before" "and its tables are as they were"
tap_ok "$(grep -q 'etcd unreachable' "$FLEET_DIR/$A/log" && grep -q 'stays enforced' "$FLEET_DIR/$A/log"; echo $?)" \
	"logged: the last policy stays enforced"
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not restart"
wait_for 20 reachable "$A" true
tap_ok $? "etcd back: daemon a reaches it again"
wait_for 10 watching "$A" true
tap_ok $? "and watches again"
wait_for 20 hosts_are '[["host-a",2,true,"ready"],["host-b",2,true,"ready"]]'
tap_is "$(hosts)" '[["host-a",2,true,"ready"],["host-b",2,true,"ready"]]' "both hosts ready again, epoch 2"

# a host that dies leaves its peers' view when its lease (5 s) expires
kill -9 "${ZPID[$B]}"
wait "${ZPID[$B]}" 2>/dev/null
t0=$SECONDS
wait_for 20 hosts_are '[["host-a",2,true,"ready"]]' 
tap_ok $? "host b killed with -9: gone from the fleet after its lease, $((SECONDS - t0)) s"
tap_is "$(zmode "$B")" monitor "its tables (epoch 2) stay in its kernel (the fleet decides no verdict)"
kill "${ZPID[$A]}"
wait "${ZPID[$A]}" 2>/dev/null
tap_is "$(hosts)" '[]' "host a stopped in order: gone at once (its lease revoked)"
tap_done
