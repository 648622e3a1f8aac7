#!/bin/bash
# Live learning on a real bridge: three namespaces (A, B, C) on a bridge
# inside a private "host" namespace H, where zonewall runs (ip netns exec),
# so no interface of the real host is involved.  Real TCP (nc), UDP (nc -u)
# and ping / ping -6 run between them; every flow must appear exactly once,
# with the right direction, and nothing else.  Run once with -i on the
# bridge ports, once with --auto (which must also pick up a namespace D
# plugged in while it runs, and see each packet once).
. "$(dirname "$0")/../lib/netns.sh"

ns_require
for t in nc ping ss; do
	command -v $t >/dev/null || tap_skip_all "needs $t"
done
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"

H=${NS_TAG}h
tmp=$(mktemp -d)
on_cleanup "rm -rf '$tmp'"
ZPID=

hostns_bridge "$H" || tap_bail "cannot create namespace $H"

# plug X N: namespace ${NS_TAG}X with eth0 = 10.77.0.N, fd77::N on br0 via vX.
plug() { hostns_plug "$H" "$1" 10.77.0 "$2" fd77; }
for x in "A 1" "B 2" "C 3"; do
	plug $x || tap_bail "cannot plug namespace $x"
done
for x in A B C; do
	wait_for 10 link_is_up "${NS_TAG}$x" eth0 || tap_bail "eth0 in $x never came up"
done

in_ns() { local ns=${NS_TAG}$1; shift; ip netns exec "$ns" "$@"; }

# start_zw ARGS...: zonewall flows in H, stdout/stderr to files; wait until ready.
start_zw() {
	ip netns exec "$H" "$ZONEWALL" flows --format tsv --stats "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	ZPID=$!
	on_cleanup "kill $ZPID 2>/dev/null"
	wait_for 10 grep -q 'zonewall flows: ready' "$tmp/err"
}

stop_zw() {
	kill -TERM "$ZPID"
	wait "$ZPID"
	zrc=$?
	ZPID=
}

listening() {	# listening X PROTO PORT
	in_ns "$1" ss -ln"$2" | grep -q ":$3 "
}

# traffic: TCP A -> B:8080, UDP A -> C:9999, ping C -> B, ping -6 A -> C.
traffic() {
	# Straight `ip netns exec` (it execs nc), so $! is nc itself.
	ip netns exec "${NS_TAG}B" nc -l -p 8080 >/dev/null </dev/null &
	local tpid=$!
	ip netns exec "${NS_TAG}C" nc -u -l -p 9999 >/dev/null </dev/null &
	local upid=$!
	on_cleanup "kill $tpid $upid 2>/dev/null"
	wait_for 10 listening B t 8080 || tap_diag "TCP listener not ready"
	wait_for 10 listening C u 9999 || tap_diag "UDP listener not ready"
	echo hello | in_ns A nc -N -w 2 10.77.0.2 8080
	echo hello | in_ns A nc -u -w 1 10.77.0.3 9999
	in_ns C ping -c 1 -W 2 10.77.0.2 >/dev/null
	in_ns A ping -6 -c 1 -W 2 fd77::3 >/dev/null
	kill "$tpid" "$upid" 2>/dev/null
	wait "$tpid" "$upid" 2>/dev/null
}

expected='icmp 10.77.0.3 10.77.0.2 8
icmpv6 fd77::1 fd77::3 128
tcp 10.77.0.1 10.77.0.2 8080
udp 10.77.0.1 10.77.0.3 9999'

flows_of() { cut -f1-4 "$tmp/out" | tr '\t' ' ' | LC_ALL=C sort; }

# --- -i on the three bridge ports -----------------------------------------
start_zw -i vA,vB -i vC
tap_ok $? "-i: zonewall is capturing"
traffic
stop_zw
tap_is "$zrc" 0 "-i: exit 0 after SIGTERM"
tap_is "$(flows_of)" "$expected" "-i: each flow once, right direction, nothing else"
grep -q '^kernel_drops' "$tmp/err"
tap_ok $? "-i: --stats reports kernel drops"
grep -q "$(printf '^icmp\t10.77.0.3\t10.77.0.2\t8\t[0-9]*\t20[0-9-]*T[0-9:.]*Z\t')" "$tmp/out"
tap_ok $? "-i: RFC 3339 times in the row"

# --- --auto, with a namespace plugged in while it runs -----------------------
start_zw --auto
tap_ok $? "--auto: zonewall is capturing"
grep -q 'capturing on br0 (out)' "$tmp/err" && grep -q 'capturing on vA (in)' "$tmp/err"
tap_ok $? "--auto: bridge outbound, ports inbound"
traffic
plug D 4 || tap_bail "cannot plug namespace D"
wait_for 10 link_is_up "${NS_TAG}D" eth0
wait_for 10 grep -q 'capturing on vD' "$tmp/err"
tap_ok $? "--auto: follows a new interface"
in_ns D ping -c 1 -W 2 10.77.0.1 >/dev/null
tap_ok $? "ping from the new namespace"
stop_zw
tap_is "$zrc" 0 "--auto: exit 0 after SIGTERM"
tap_is "$(flows_of)" "$(printf '%s\nicmp 10.77.0.4 10.77.0.1 8' "$expected" | LC_ALL=C sort)" \
	"--auto: each flow once, right direction, nothing else"
# Each packet is seen once: SYN + SYN+ACK = 2, one datagram, one request.
tap_is "$(awk -F'\t' '{ print $1, $5 }' "$tmp/out" | LC_ALL=C sort | tr '\n' ' ')" \
	"icmp 1 icmp 1 icmpv6 1 tcp 2 udp 1 " "--auto: every packet counted once"
tap_done
