#!/bin/bash
# A container's host-side veth from the container's side (src/net/netns-id.c,
# nsid_port_find): in a private host namespace with a bridge, namespaces a
# and b plugged into it and c plugged in without a bridge; a process in each
# gives the namespace, the interface's MAC picks the port.  Then all of a
# namespace's ports with their addresses (nsid_ports_read, what a restarted
# container's record is read from): d on two bridges, one dual-stack, with a
# veth pair of its own and one into a third namespace (neither is a port
# here); f, a namespace nobody gave an id yet.  `ip` is the witness.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
drv=$top_builddir/tests/netns/nsid-driver
[ -x "$drv" ] || tap_bail "build tests/netns/nsid-driver first"
h="${NS_TAG}h"
ns_add "$h" || tap_bail "cannot create namespaces"
H() { ip netns exec "$h" "$@"; }
H ip link add br0 type bridge && H ip link set br0 up || tap_bail "cannot build the bridge"
declare -A pid
for n in a b c; do
	ns_add "${NS_TAG}$n" || tap_bail "cannot create namespace $n"
	H ip link add veth$n type veth peer name eth0 netns "${NS_TAG}$n" &&
		ip -n "${NS_TAG}$n" link set eth0 address 02:99:00:00:00:0${n/a/1} 2>/dev/null
	ip -n "${NS_TAG}$n" link set eth0 up && H ip link set veth$n up || tap_bail "cannot plug $n"
	[ "$n" = c ] || H ip link set veth$n master br0 || tap_bail "cannot enslave veth$n"
	# a process in the namespace, for its pid (ended by pid at exit)
	ip netns exec "${NS_TAG}$n" tail -f /dev/null >/dev/null 2>&1 &
	pid[$n]=$!
	on_cleanup "kill ${pid[$n]} 2>/dev/null"
done
mac() { ip -n "${NS_TAG}$1" -j link show eth0 | jq -r '.[0].address'; }
drv="timeout 10 $drv"
got_a=$(H $drv "${pid[a]}" "$(mac a)" 2>&1)
tap_is "$got_a" "vetha br0" "a's port and bridge"
got_b=$(H $drv "${pid[b]}" "$(mac b)" 2>&1)
tap_is "$got_b" "vethb br0" "b's port and bridge"
got_c=$(H $drv "${pid[c]}" "$(mac c)" 2>&1)
tap_is "$got_c" "vethc -" "c's veth, on no bridge"
got=$(H $drv "${pid[a]}" "$(mac b)" 2>&1)
tap_is "$got" "nsid_port_find: No such file or directory" "b's MAC is not in a's namespace"
got=$(H $drv "${pid[a]}" "02:99:zz:00:00:01" 2>&1)
tap_is "$got" "nsid_port_find: Invalid argument" "a malformed MAC is refused"

# d: eth0 on br0 (IPv4 and IPv6, and a second IPv4), eth1 on br1; a veth
# pair inside d and a veth from d into e, both with addresses
d="${NS_TAG}d" e="${NS_TAG}e" f="${NS_TAG}f"
D() { ip -n "$d" "$@"; }
ns_add "$d" && ns_add "$e" && ns_add "$f" || tap_bail "cannot create namespaces d, e, f"
H ip link add br1 type bridge && H ip link set br1 up &&
	H ip addr add 10.77.0.1/24 dev br0 && H ip addr add fd77::1/64 dev br0 nodad &&
	H ip addr add 10.78.0.1/25 dev br1 || tap_bail "cannot address the bridges"
for i in 0 1; do
	H ip link add vethd$i type veth peer name eth$i netns "$d" &&
		H ip link set vethd$i master br$i && H ip link set vethd$i up && D link set eth$i up ||
		tap_bail "cannot plug d's eth$i"
done
D addr add 10.77.0.5/24 dev eth0 && D addr add fd77::5/64 dev eth0 nodad &&
	D addr add 10.77.0.6/24 dev eth0 && D addr add 10.78.0.9/25 dev eth1 &&
	D link add in0 type veth peer name in1 && D addr add 192.0.2.1/24 dev in0 &&
	D link add out0 type veth peer name out1 netns "$e" && D addr add 192.0.2.9/24 dev out0 &&
	D link set in0 up && D link set out0 up || tap_bail "cannot address d"
ip netns exec "$d" tail -f /dev/null >/dev/null 2>&1 &
pid[d]=$!
on_cleanup "kill ${pid[d]} 2>/dev/null"
ip netns exec "$f" tail -f /dev/null >/dev/null 2>&1 &
pid[f]=$!
on_cleanup "kill ${pid[f]} 2>/dev/null"
# the witness: ip's view of d's eth0/eth1 and of the bridges, global scope
ipaddrs() {	# ipaddrs DEV IP-CMD...
	local dev=$1
	shift
	"$@" -j addr show dev "$dev" scope global | jq -r '[.[0].addr_info[] | select(.local != null) | "\(.local)/\(.prefixlen)"] | sort | join(",")'
}
want=$(for i in 0 1; do
	echo "$(D -j link show eth$i | jq -r '.[0].address') vethd$i br$i $(ipaddrs eth$i D) $(ipaddrs br$i H ip)"
done | sort)
got=$(H $drv ports "${pid[d]}" 2>&1)
tap_is "$got" "$want" "d's two ports: MACs, peers, bridges and global addresses as ip shows them (link-local, the inner pair and the veth into e left out)"
got=$(H ip netns list-id 2>/dev/null | grep -c .)
tap_is "$(H $drv ports "${pid[f]}" 2>&1)" none "f: a namespace without an id gets one (RTM_NEWNSID) and has no ports"
tap_ok "$([ "$(H ip netns list-id 2>/dev/null | grep -c .)" -gt "$got" ]; echo $?)" "and the kernel lists the new id"
tap_done
