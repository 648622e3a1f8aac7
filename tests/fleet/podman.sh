#!/bin/bash
# A fleet of two hosts where one is this machine's own Podman: host p is the
# root namespace, its zonewalld (runtime podman, limited with `bridges =` to
# the test's podman network) publishes a real container; host b is a network
# namespace whose endpoint (db, 10.78.2.10) the inventory describes.  The
# podman network is internal (no masquerade: b sees the container's own
# address) with a subnet of its own; a veth from the root namespace into the
# fleet's bridge and two routes join the container subnets, nothing else of
# the host's routing or firewall changes (netavark turns forwarding off on
# an internal network's bridge: the test turns it on for its own bridge).
# Shown: the container's record under endpoints/host-p/ (etcdctl), its
# address in b's source map src4 as zone web (nft -j), web -> db tcp/5432
# passes and other flows are dropped (on p and on b, counted by each), and
# a stopped container leaves etcd and b's map.  zonewalld's tables are
# named `zonewall` (no setting names them otherwise), as in the runtime
# tier: the test skips when the root namespace already has one.
. "$(dirname "$0")/../lib/fleet.sh"
. "$(dirname "$0")/../lib/runtime.sh"
trap 'ns_cleanup; rt_cleanup' EXIT
fleet_require
rt_require
[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
for t in nft nc python3 nsenter; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: same-bridge traffic does not reach the inet forward hook"
nft list table inet zonewall >/dev/null 2>&1 &&
	tap_skip_all "this host already has a table inet zonewall (not ours to replace)"
nft list table bridge zonewall >/dev/null 2>&1 &&
	tap_skip_all "this host already has a table bridge zonewall (not ours to replace)"
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] ||
	tap_skip_all "the root namespace does not forward IPv4 (not ours to turn on)"
rt_podman_up || tap_skip_all "$RT_WHY"

B=zwfb$$ BC=zwfbc$$ PH=zwfp$$
# the podman network's /24: one the root namespace does not route yet
S=
for k in 0 1 2 3 4; do
	c=10.79.$((($$ + k * 37) % 250 + 1))
	ip -o route get "$c.1" | grep -q ' via ' && ! "$PODMAN" network ls --format '{{.Subnets}}' | grep -q "$c\." &&
		S=$c && break
done
[ -n "$S" ] || tap_skip_all "no free 10.79.N.0/24 for the podman network"
ip -o route get 10.77.0.254 | grep -q ' via ' && ip -o route get 10.78.2.10 | grep -q ' via ' ||
	tap_skip_all "the root namespace already routes 10.77.0.0/24 or 10.78.2.0/24"
fleet_hosts_add "$B" || tap_bail "cannot make host b's namespace"
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
fleet_site_net "$B" "$BC" 2 || tap_bail "cannot build host b's container network"
# host p on the fleet's bridge: 10.77.0.254, its containers routed to b's
ip link add "$PH" type veth peer name vp netns "$FLEET_NS" && LINKS_MADE+=("$PH") &&
	ip -n "$FLEET_NS" link set vp master br0 up && ip addr add 10.77.0.254/24 dev "$PH" &&
	ip link set "$PH" up && ip route add 10.78.2.0/24 via 10.77.0.2 dev "$PH" &&
	ip -n "$B" route add "$S.0/24" via 10.77.0.254 || tap_bail "cannot join host p to the fleet"

net=${RT_TAG}net
"$PODMAN" network create --internal --subnet "$S.0/24" --label purpose=zw-test "$net" >/dev/null ||
	tap_bail "cannot create the podman network $net"
rt_on_cleanup "'$PODMAN' network rm -f '$net'"
br=$("$PODMAN" network inspect "$net" | jq -r '.[0].network_interface // empty')
[ -n "$br" ] || tap_bail "cannot tell the bridge of $net"
web=$RT_TAG-web
rt_on_cleanup "'$PODMAN' rm -f -t 0 '$web'"
"$PODMAN" run -d --init --name "$web" --network "$net" --label zonewall.zone=web \
	--label zonewall.identity=web "$RT_IMAGE" httpd -f -p 80 -h /var/www >/dev/null ||
	tap_bail "cannot start the container $web"
wip=$("$PODMAN" inspect "$web" | jq -r ".[0].NetworkSettings.Networks[\"$net\"].IPAddress")
# an internal network has no default route: the container's one to b's subnet
nsenter -t "$("$PODMAN" inspect -f '{{.State.Pid}}' "$web")" -n ip route add 10.78.2.0/24 via "$S.1" ||
	tap_bail "cannot route $web to host b's containers"
# netavark turns forwarding off on an internal network's bridge (made with
# its first container); this one's containers are routed to host b's
sysctl -qw "net.ipv4.conf.$br.forwarding=1" || tap_bail "cannot let $br forward"
serve "$BC" 5432

fleet_site_files

# pg: web (on p) to db (on b) tcp/PORT; page: db to web's httpd
pg() { "$PODMAN" exec "$web" sh -c "echo ping | timeout 3 nc -w 2 10.78.2.10 $1" 2>/dev/null; }
page() {
	ip netns exec "$BC" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -N -w 2 $wip 80" 2>/dev/null | tail -1
}
tap_is "$(pg 5432)" pong "control: with no zonewall, web on host p reaches db on host b (tcp/5432)"
tap_is "$(page)" hello-from-bb "control: and db reaches web's httpd (tcp/80)"

fleet_site_daemon enforce
fleet_host_start "$B" || tap_bail "zonewalld on host b did not start: $(tail -5 "$FLEET_DIR/$B/log")"
P=$FLEET_DIR/p
mkdir -m 0700 "$P"
cat >"$P/zonewalld.conf" <<CONF
mode = enforce
runtime = podman://$PODMAN_SOCK
bridges = $br
nflog_group = $((30000 + $$ % 20000))
inventory = $FLEET_DIR/inventory.json
state_dir = $P/state
audit_log = $P/state/audit.log
control_socket = $P/zwd.sock
control_group = none
fleet = etcd://10.77.0.1:2379
fleet_host = host-p
fleet_lease_ttl = 5
CONF
chmod 0600 "$P/zonewalld.conf"
# after the daemon's end (cleanups run last registered first): its tables
on_cleanup "nft delete table inet zonewall; nft delete table bridge zonewall"
("$ZONEWALLD" --foreground -c "$P/zonewalld.conf" 2>>"$P/log") &
zpid=$!
on_cleanup "kill $zpid; wait $zpid"
wait_for 20 "$ZONEWALL" daemon-status --socket "$P/zwd.sock" ||
	tap_bail "zonewalld on host p did not start: $(tail -5 "$P/log")"

rec() { ectl get --print-value-only "/zonewall/v1/endpoints/host-p/$wip"; }
has_rec() { [ -n "$(rec)" ]; }
wait_for 20 has_rec
tap_is "$(rec | jq -c '[.identity, .host, .addrs]')" "[\"web\",\"host-p\",[\"$wip\"]]" \
	"host p publishes its container under endpoints/host-p/$wip (etcdctl)"
# b's source map (nft -j, the kernel's view): the chain an address jumps to
zone_in_b() {
	ip netns exec "$B" nft -j list map inet zonewall src4 2>/dev/null |
		jq -r --arg a "$wip" '.nftables[].map.elem[]? | select(.[0] == $a) | .[1].jump.target'
}
in_b() { [ "$(zone_in_b)" = from_web ]; }
t0=$SECONDS
wait_for 20 in_b
tap_ok $? "host b resolves it: its map src4 sends $wip to from_web (zone web) within $((SECONDS - t0)) s"
tap_is "$(pg 5432)" pong "web on host p reaches db on host b on tcp/5432 (the rule web -> db)"
tap_is "$(pg 22)" "" "but not on tcp/22, which no rule names"
tap_is "$(page)" "" "db on host b does not reach web's httpd (no rule data -> web)"
denied() {	# denied NS FROM TO: that zone pair's refusals in NS's kernel (no NS: root)
	${1:+ip netns exec "$1"} "$ZONEWALL" status --json |
		jq ".pairs[] | select(.from == \"$2\" and .to == \"$3\") | .denied"
}
tap_ok "$([ "$(denied "" web data)" -gt 0 ]; echo $?)" "host p counted web -> data refusals ($(denied "" web data))"
tap_ok "$([ "$(denied "$B" data web)" -gt 0 ]; echo $?)" "host b counted data -> web refusals ($(denied "$B" data web))"

# one write per container: etcd's version of its key counts the puts
tap_is "$(ectl get -w json "/zonewall/v1/endpoints/host-p/$wip" | jq '.kvs[0].version')" 1 \
	"its record was written once (etcd's version 1), whatever traffic and refusals came after"
"$PODMAN" stop -t 0 "$web" >/dev/null
gone() { [ -z "$(zone_in_b)" ] && [ -z "$(rec)" ]; }
t0=$SECONDS
wait_for 20 gone
tap_ok $? "the container stopped: its record and its address in b's map are gone within $((SECONDS - t0)) s"
tap_done
