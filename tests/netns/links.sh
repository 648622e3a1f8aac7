#!/bin/bash
# zonewall links against the kernel's own view: two namespaces plugged into
# a bridge by veths must appear in `zonewall links --json` exactly as
# `ip -j -d link` / `ip -j addr` describe them.  Runs inside a private
# namespace of its own, so the host's interfaces never enter the picture.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
command -v jq >/dev/null || tap_skip_all "needs jq"

host="${NS_TAG}h"
a="${NS_TAG}a"
b="${NS_TAG}b"
ns_add "$host" && ns_add "$a" && ns_add "$b" || tap_bail "cannot create namespaces"

# Build the sandbox inside $host: bridge br0 with two veths to $a and $b.
H() { ip -n "$host" "$@"; }
H link add br0 type bridge && H link set br0 up && H addr add 10.77.0.1/24 dev br0 &&
H addr add fd00:77::1/64 dev br0 nodad &&
H link add vetha type veth peer name eth0 netns "$a" && H link set vetha master br0 up &&
H link add vethb type veth peer name eth0 netns "$b" && H link set vethb master br0 up &&
H link add lonely type veth peer name lonely-peer && H link set lonely up ||
	tap_bail "cannot build the sandbox"
ip -n "$a" addr add 10.77.0.2/24 dev eth0 && ip -n "$a" link set eth0 up
ip -n "$b" addr add 10.77.0.3/24 dev eth0 && ip -n "$b" link set eth0 up
wait_for 5 link_is_up "$host" vetha && wait_for 5 link_is_up "$host" vethb ||
	tap_bail "veths did not come up"

run_cmd ip netns exec "$host" "$ZONEWALL" links --json
tap_is "$rc" 0 "zonewall links --json exits 0"
zw=$out
tap_ok "$(jq -e 'type == "array"' <<<"$zw" >/dev/null; echo $?)" "output is a JSON array"

kernel_links=$(H -j -d link show)
kernel_addrs=$(H -j addr show)

# The kernel's description of one link, in zonewall's schema.
expected() {
	jq --arg n "$1" --argjson addrs "$kernel_addrs" '
		(map({key: .ifname, value: .ifindex}) | from_entries) as $byname
		| .[] | select(.ifname == $n)
		| . as $l
		| {
			ifindex,
			name: .ifname,
			kind: (.linkinfo.info_kind // "-"),
			bridge: (if .master then .master else null end),
			ports: null,
			# ip names a peer in the same namespace ("link"), and gives
			# the index of one elsewhere ("link_index")
			peer_ifindex: (if .linkinfo.info_kind != "veth" then null
			               elif .link_index then .link_index
			               elif .link then $byname[.link] else null end),
			peer_netnsid: (.link_netnsid // null),
			state: (.operstate | ascii_downcase),
			up: (.flags | index("UP") != null),
			mac: .address,
			mtu,
			addresses: [ $addrs[] | select(.ifname == $n) | .addr_info[]
			             | select(.family == "inet" or .family == "inet6")
			             | "\(.local)/\(.prefixlen)" ]
		}' <<<"$kernel_links"
}

for name in br0 vetha vethb lonely lonely-peer; do
	got=$(jq -S --arg n "$name" '.[] | select(.name == $n) | del(.ports)' <<<"$zw")
	want=$(expected "$name" | jq -S 'del(.ports)')
	tap_is "$got" "$want" "$name agrees with ip -j link / ip -j addr"
done

# peer_ifindex of a veth whose peer sits in another namespace must name the
# peer's ifindex there; its netnsid must be the one `ip netns list-id` gives.
peer_idx=$(ip -n "$a" -j link show eth0 | jq '.[0].ifindex')
tap_is "$(jq '.[] | select(.name == "vetha") | .peer_ifindex' <<<"$zw")" "$peer_idx" \
	"vetha's peer is eth0 (ifindex $peer_idx) in namespace $a"
nsid=$(H -j netns list-id | jq --arg a "$a" '.[] | select(.name == $a) | .nsid')
tap_is "$(jq '.[] | select(.name == "vetha") | .peer_netnsid' <<<"$zw")" "${nsid:-null}" \
	"vetha's peer netnsid matches ip netns list-id"

ports=$(jq -c '.[] | select(.name == "br0") | .ports | sort' <<<"$zw")
tap_is "$ports" '["vetha","vethb"]' "br0 lists its two ports"
tap_is "$(jq -c '[.[] | select(.name == "lo")] | length' <<<"$zw")" 0 \
	"loopback is not container-facing"

# The table comes from the same rows.
run_cmd ip netns exec "$host" "$ZONEWALL" links
tap_is "$rc" 0 "zonewall links (table) exits 0"
tap_is "$(head -1 <<<"$out" | tr -s ' ')" \
	"IFINDEX NAME KIND BRIDGE PEER STATE ADDRESSES PORTS" "table heading (within 120 columns)"
tap_is "$(ip netns exec "$host" "$ZONEWALL" links --wide | head -1 | tr -s ' ')" \
	"IFINDEX NAME KIND BRIDGE PEER NETNSID STATE MAC ADDRESSES PORTS" "--wide: every column"
tap_is "$(awk '$2 == "vetha" {print $3, $4}' <<<"$out")" "veth br0" "vetha row: kind veth, bridge br0"
tap_is "$(awk '$2 == "br0" {print $NF}' <<<"$out")" "vetha,vethb" "br0 row lists its ports"

# A bridge added while nothing else changes shows up with no ports.
H link add br1 type bridge
run_cmd ip netns exec "$host" "$ZONEWALL" links --json
tap_is "$(jq -c '.[] | select(.name == "br1") | [.kind, .ports]' <<<"$out")" '["bridge",[]]' \
	"a new empty bridge is listed with no ports"

tap_done
