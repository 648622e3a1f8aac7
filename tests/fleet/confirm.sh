#!/bin/bash
# zonewall fleet push --confirm-within: two hosts (network namespaces) whose
# daemons enforce the fleet's policy.  A push both apply is confirmed host
# by host; a push that host b cannot apply (its inventory claims an address
# the new policy puts in another zone, so its compile fails) ends in exit 1
# naming host b, and the previous epoch's policy pushed back: etcd's
# current record (etcdctl, the witness) has the old file's digest and both
# kernels (nft) hold the old tables.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require_daemons
A=zwfa$$ B=zwfb$$
fleet_hosts_add "$A" "$B" || tap_bail "cannot make the hosts' namespaces"
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
P=$top_srcdir/rules/policy.example.json
install -m 0600 "$top_srcdir/rules/inventory.json" "$FLEET_DIR/inventory.json"
# host b's inventory puts 10.99.0.0/24 in zone app: a policy placing it in
# zone data validates, and compiles everywhere but on host b
jq '.entries += [{"name": "lab", "zone": "app", "cidrs": ["10.99.0.0/24"]}]' \
	"$FLEET_DIR/inventory.json" >"$FLEET_DIR/inventory-b.json"
chmod 0600 "$FLEET_DIR/inventory-b.json"
hosts() { zwf status --json | jq -c '[.hosts[] | [.host, .epoch, .state]]'; }
hosts_are() { [ "$(hosts)" = "$1" ]; }
# a host's tables without the counters' figures, and without the named
# zone-pair counters, which a replacement keeps counting (unused ones too)
plain() {
	ip netns exec "$1" nft list table inet zonewall 2>/dev/null |
		sed -E 's/packets [0-9]+ bytes [0-9]+//' |
		awk '/^\tcounter /{skip = 1} !skip {print} /^\t}/{skip = 0}'
}
current_digest() { ectl get --print-value-only /zonewall/v1/policy/current | jq -r .digest; }
fleet_host_conf "$A" host-a "$FLEET_DIR/inventory.json"
fleet_host_conf "$B" host-b "$FLEET_DIR/inventory-b.json"

run_cmd zwf push "$P" --confirm-within 5
tap_is "$rc" 0 "no host reports yet: push --confirm-within exits 0"
tap_ok "$(grep -q 'no host reports under /zonewall/v1/hosts/' <<<"$out"; echo $?)" \
	"and says there is nothing to confirm"
fleet_host_start "$A" || tap_bail "zonewalld on host a did not start: $(tail -5 "$FLEET_DIR/$A/log")"
fleet_host_start "$B" || tap_bail "zonewalld on host b did not start: $(tail -5 "$FLEET_DIR/$B/log")"
wait_for 20 hosts_are '[["host-a",1,"ready"],["host-b",1,"ready"]]'
tap_is "$(hosts)" '[["host-a",1,"ready"],["host-b",1,"ready"]]' "both hosts report epoch 1, ready"

# epoch 2 (zone web monitors) is applied by both hosts: confirmed
jq '(.zones[] | select(.name == "web") | .mode) = "monitor"' "$P" >"$FLEET_DIR/p2.json"
run_cmd zwf push "$FLEET_DIR/p2.json" --confirm-within 30
tap_is "$rc" 0 "push --confirm-within 30 of a policy both hosts apply: exit 0"
tap_is "$(grep -c '^confirmed: host-[ab] holds epoch 2' <<<"$out")" 2 "each host named as it confirms"
tap_ok "$(grep -q 'every host (2) holds epoch 2' <<<"$out"; echo $?)" "then every host: $(tail -1 <<<"$out")"
tap_is "$(hosts)" '[["host-a",2,"ready"],["host-b",2,"ready"]]' "status: both at epoch 2"
before_a=$(plain "$A") before_b=$(plain "$B")
tap_ok "$([ -n "$before_a" ] && [ -n "$before_b" ]; echo $?)" "both kernels hold epoch 2's tables (nft)"

# epoch 3 claims 10.99.0.0/24 for zone data: host b's compile fails
jq '(.zones[] | select(.name == "data") | .match.cidrs) += ["10.99.0.0/24"]' \
	"$FLEET_DIR/p2.json" >"$FLEET_DIR/p3.json"
run_cmd "$ZONEWALL" validate "$FLEET_DIR/p3.json"
tap_is "$rc" 0 "epoch 3's policy validates"
t0=$SECONDS
run_cmd zwf push "$FLEET_DIR/p3.json" --confirm-within 30
tap_is "$rc" 1 "push --confirm-within of a policy host b cannot apply: exit 1"
tap_ok "$([ $((SECONDS - t0)) -lt 25 ]; echo $?)" "without waiting out the 30 s: host b's apply_failed decides ($((SECONDS - t0)) s)"
tap_ok "$(grep -q 'host-b could not apply epoch 3 (apply_failed; it holds epoch 2;' <<<"$err"; echo $?)" \
	"host b named: $(grep -o 'host-b could not .*' <<<"$err")"
tap_ok "$(! grep -q 'host-a could not' <<<"$err"; echo $?)" "host a is not"
tap_ok "$(grep -q 'rolled back: epoch 4 is epoch 2.s policy again' <<<"$out"; echo $?)" \
	"the previous policy is pushed back: $(grep -o 'rolled back.*' <<<"$out")"
tap_ok "$(grep -q 'not applied: .*10.99.0.0/24 is also claimed' "$FLEET_DIR/$B/log"; echo $?)" \
	"host b's log says why it could not apply"
tap_is "$(current_digest)" "$(sha256sum <"$FLEET_DIR/p2.json" | cut -d' ' -f1)" \
	"etcd's current record has epoch 2's file's digest (etcdctl)"
tap_is "$(ectl get --print-value-only /zonewall/v1/policy/current | jq .epoch)" 4 "as epoch 4"
wait_for 20 hosts_are '[["host-a",4,"ready"],["host-b",4,"ready"]]'
tap_is "$(hosts)" '[["host-a",4,"ready"],["host-b",4,"ready"]]' "both hosts report epoch 4, ready"
same_a() { [ "$(plain "$A")" = "$before_a" ]; }
wait_for 20 same_a
tap_is "$(plain "$A")" "$before_a" "host a's kernel holds epoch 2's tables again (nft)"
tap_is "$(plain "$B")" "$before_b" "host b's kernel never left them (nft)"
tap_ok "$(! plain "$A" | grep -q '10\.99\.0\.0'; echo $?)" "10.99.0.0/24 has left host a's tables"

# a host that never answers (its daemon stopped): not confirmed in time
kill -STOP "${ZPID[$B]}"
on_cleanup "kill -CONT ${ZPID[$B]}"
jq '(.zones[] | select(.name == "app") | .mode) = "monitor"' "$FLEET_DIR/p2.json" >"$FLEET_DIR/p5.json"
run_cmd zwf push "$FLEET_DIR/p5.json" --confirm-within 2
tap_is "$rc" 1 "push --confirm-within 2 with host b's daemon stopped: exit 1"
tap_ok "$(grep -q '^confirmed: host-a holds epoch 5' <<<"$out" &&
	grep -q 'host-b had not confirmed epoch 5 (ready; it holds epoch 4)' <<<"$err"; echo $?)" \
	"host a confirmed, host b named as not"
tap_ok "$(grep -q 'rolled back: epoch 6 is epoch 4.s policy again' <<<"$out"; echo $?)" \
	"epoch 4's policy pushed back as epoch 6"
kill -CONT "${ZPID[$B]}"
wait_for 20 hosts_are '[["host-a",6,"ready"],["host-b",6,"ready"]]'
tap_is "$(hosts)" '[["host-a",6,"ready"],["host-b",6,"ready"]]' "host b resumed: both report epoch 6"
wait_for 20 same_a
tap_is "$(plain "$A")" "$before_a" "host a's kernel holds epoch 2's tables again (nft)"

run_cmd zwf pull --confirm-within 3
tap_is "$rc" 2 "--confirm-within is push's alone: usage error"
tap_done
