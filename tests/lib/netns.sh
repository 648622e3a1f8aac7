# shellcheck shell=bash
# Network namespace helpers (sourced), after the kernel selftests' lib.sh:
# unique names, one cleanup trap, busy-wait for readiness, SKIP (not fail)
# when a privilege or kernel feature is missing.  Everything a test makes
# is named with $NS_TAG so parallel tests and other users never collide.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

NS_TAG="zw$$"
NS_MADE=()
LINKS_MADE=()
CLEANUP_CMDS=()

ns_cleanup() {
	local i
	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[i]}" >/dev/null 2>&1
	done
	for i in "${LINKS_MADE[@]}"; do ip link del "$i" >/dev/null 2>&1; done
	for i in "${NS_MADE[@]}"; do ip netns del "$i" >/dev/null 2>&1; done
}
trap ns_cleanup EXIT

on_cleanup() {	# on_cleanup 'COMMAND': run at exit, last registered first
	CLEANUP_CMDS+=("$1")
}

ns_require() {	# skip the file unless we can make namespaces, bridges, veths
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (network namespaces)"
	command -v ip >/dev/null || tap_skip_all "needs iproute2's ip"
	local probe="${NS_TAG}probe"
	ip netns add "$probe" 2>/dev/null || tap_skip_all "cannot create network namespaces"
	ip netns del "$probe"
	ip link add "${NS_TAG}pb" type bridge 2>/dev/null || tap_skip_all "no bridge support in this kernel"
	ip link del "${NS_TAG}pb"
	ip link add "${NS_TAG}pv" type veth peer name "${NS_TAG}pw" 2>/dev/null ||
		tap_skip_all "no veth support in this kernel"
	ip link del "${NS_TAG}pv"
}

ns_add() {	# ns_add NAME: a namespace with loopback up
	ip netns add "$1" || return 1
	NS_MADE+=("$1")
	ip -n "$1" link set lo up
}

bridge_add() {	# bridge_add NAME [ADDR/PREFIX]
	ip link add "$1" type bridge || return 1
	LINKS_MADE+=("$1")
	ip link set "$1" up
	[ -z "${2:-}" ] || ip addr add "$2" dev "$1"
}

# ns_plug NS BRIDGE HOSTSIDE ADDR/PREFIX: a veth from NS (eth0) to BRIDGE.
ns_plug() {
	local ns=$1 br=$2 host=$3 addr=$4
	ip link add "$host" type veth peer name eth0 netns "$ns" || return 1
	LINKS_MADE+=("$host")
	ip link set "$host" master "$br" up
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
}

link_is_up() {	# link_is_up NS DEV: operstate UP inside namespace NS
	ip -n "$1" -j link show dev "$2" 2>/dev/null | grep -q '"operstate":"UP"'
}

# hostns_bridge H: a private "host" namespace H with a bridge br0 up in it,
# so a test's zonewall (run with ip netns exec) sees none of the real host.
hostns_bridge() {
	ns_add "$1" || return 1
	ip -n "$1" link add br0 type bridge && ip -n "$1" link set br0 up
}

# hostns_plug H X NET4 N [NET6]: namespace ${NS_TAG}X whose eth0 has
# NET4.N/24 (and NET6::N/64 when NET6 is given), plugged into H's br0 by
# the veth vX.
hostns_plug() {
	local h=$1 ns=${NS_TAG}$2
	ns_add "$ns" || return 1
	ip -n "$h" link add "v$2" type veth peer name eth0 netns "$ns" || return 1
	ip -n "$h" link set "v$2" master br0 up
	ip -n "$ns" addr add "$3.$4/24" dev eth0
	[ -z "${5:-}" ] || ip -n "$ns" addr add "$5::$4/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
}

# serve NS PORT [6]: a TCP server answering "pong" to every connection, until
# cleanup; with 6, on IPv6 only (beside an IPv4 one on the same port), "pong6"
serve() {
	ip netns exec "$1" python3 -c '
import socket, sys
v6 = sys.argv[2] == "6"
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET)
if v6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::" if v6 else "0.0.0.0", int(sys.argv[1]))); s.listen(16)
while True:
    c, _ = s.accept(); c.settimeout(2)
    try:
        c.recv(64); c.sendall(b"pong6\n" if v6 else b"pong\n"); c.shutdown(socket.SHUT_WR); c.recv(64)
    except OSError:
        pass
    c.close()' "$2" "${3:-4}" >/dev/null 2>&1 &
	on_cleanup "kill $!"
	wait_for 5 sh -c "ip netns exec $1 ss -ltn${3:+6} | grep -q ':$2 '"
}
# talk NS ADDR PORT [SRC]: prints what the server answered
talk() { ip netns exec "$1" sh -c "echo ping | timeout 3 nc -N -w 2 ${4:+-s $4} $2 $3 2>/dev/null"; }

# nft_bytecode NS FAMILY TABLE: the kernel's expressions of the table's rules
# (nft --debug=netlink), without handles and counter values, in a form that
# is the same whether the table came from our netlink apply or from nft -f of
# the same text.  nft -f writes two things differently, rewritten here:
# arp hlen and plen as one 2-byte compare, and a byteorder of a 1-byte
# meta l4proto in 2-byte units (no unit fits in it: it changes nothing).
nft_bytecode() {
	ip netns exec "$1" nft --debug=netlink list table "$2" "$3" |
		sed -E '/^(table |\t|\}|$)/d; /^  \[ byteorder reg ([0-9]+) = hton\(reg \1, 2, 1\) \]$/d
			s/^([a-z]+ [^ ]+ [^ ]+) [0-9]+( [0-9]+)?$/\1/; s/pkts [0-9]+ bytes [0-9]+/pkts bytes/
			/payload load 2b @ network header \+ 4 => reg 1 \]$/{N;s/.*\n  \[ cmp eq reg 1 0x00000406 \]$/  [ payload load 1b @ network header + 4 => reg 1 ]\n  [ cmp eq reg 1 0x00000006 ]\n  [ payload load 1b @ network header + 5 => reg 1 ]\n  [ cmp eq reg 1 0x00000004 ]/}'
}
