#!/bin/bash
# A container's host-side veth from the container's side (src/nsid.c,
# nsid_port_find): in a private host namespace with a bridge, namespaces a
# and b plugged into it and c plugged in without a bridge; a process in each
# gives the namespace, the interface's MAC picks the port.  `ip` is the witness.
. "$(dirname "$0")/lib.sh"
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
tap_done
