#!/bin/bash
# Link-layer attacks from a container, each first without zonewall (the
# control: the kernel lets it through) and then with every zone enforcing
# (refused, counted, reported by `zonewall denied`).  Inside a private host
# namespace: web (10.77.0.2), app (.3) and db (.4, zone data) on bridge br0,
# the host at .1.  Policy: web -> app tcp/80, app -> db tcp/5432 and
# udp/5353, db -> the host's address icmp, border web -> data deny.  The attacker is web, with CAP_NET_RAW
# in its own namespace as Docker gives by default; its frames are built by
# tests/lib/frames.py.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
for t in nft jq python3 bridge; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
[ -x "$ZONEWALL" ] || tap_bail "build zonewall first"

host="${NS_TAG}h" web="${NS_TAG}w" app="${NS_TAG}a" db="${NS_TAG}d"
for n in "$host" "$web" "$app" "$db"; do ns_add "$n" || tap_bail "cannot create namespace $n"; done
tmp=$(mktemp -d)
on_cleanup "rm -rf '$tmp'"
H() { ip netns exec "$host" "$@"; }
ZW() { H "$ZONEWALL" "$@"; }
frames=$(dirname "$0")/../lib/frames.py
F() { local ns=$1; shift; ip netns exec "$ns" python3 "$frames" "$@"; }

H sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 || tap_bail "sysctl"
H ip link add br0 type bridge && H ip link set br0 address 02:77:00:00:00:01 &&
	H ip link set br0 up && H ip addr add 10.77.0.1/24 dev br0 &&
	H ip addr add fd77::1/64 dev br0 nodad || tap_bail "cannot build the bridge"
for nk in web:2 app:3 db:4; do
	n=${nk%:*} k=${nk#*:}
	ns=$(eval echo "\$$n")
	H ip link add veth$n type veth peer name eth0 netns "$ns" &&
		H ip link set veth$n master br0 up &&
		ip -n "$ns" link set eth0 address 02:77:00:00:00:0$k &&
		ip -n "$ns" addr add 10.77.0.$k/24 dev eth0 &&
		ip -n "$ns" addr add fd77::$k/64 dev eth0 nodad && ip -n "$ns" link set eth0 up ||
		tap_bail "cannot plug $n"
	wait_for 5 link_is_up "$host" veth$n || tap_bail "veth$n did not come up"
	# an ARP reply may replace an entry at once, not only a second after its
	# last change (an attacker waits that second; the test should not)
	ip netns exec "$ns" sysctl -qw net.ipv4.neigh.eth0.locktime=0 || tap_bail "locktime"
done
# link-local addresses, once their duplicate address detection is over
ll_of() { ip -n "$1" -6 addr show dev "${2:-eth0}" scope link -tentative | awk '/inet6/ {print $2}' | cut -d/ -f1; }
for n in "$web" "$app" "$db"; do wait_for 10 eval '[ -n "$(ll_of "$n")" ]' || tap_bail "no link-local address in $n"; done
wait_for 10 eval '[ -n "$(H ip -6 addr show dev br0 scope link -tentative | grep inet6)" ]' ||
	tap_bail "no link-local address on br0"
gw_ll=$(H ip -6 addr show dev br0 scope link | awk '/inet6/ {print $2}' | cut -d/ -f1)
web_ll=$(ll_of "$web") app_ll=$(ll_of "$app") db_ll=$(ll_of "$db")
web_mac=02:77:00:00:00:02 app_mac=02:77:00:00:00:03 db_mac=02:77:00:00:00:04 gw_mac=02:77:00:00:00:01
[ "$(H cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: bridged traffic does not reach the inet forward hook"

cat >"$tmp/inventory.json" <<'EOF'
{ "version": 1, "entries": [
  { "name": "web", "zone": "web", "cidrs": ["10.77.0.2/32", "fd77::2/128"] },
  { "name": "app", "zone": "app", "cidrs": ["10.77.0.3/32", "fd77::3/128"] },
  { "name": "db", "zone": "data", "cidrs": ["10.77.0.4/32", "fd77::4/128"] },
  { "name": "gateway", "zone": "host", "cidrs": ["10.77.0.1/32", "fd77::1/128"] } ] }
EOF
cat >"$tmp/policy.json" <<'EOF'
{ "version": 1, "default_zone": "default",
  "zones": [ { "name": "default", "mode": "enforce" }, { "name": "web", "mode": "enforce" },
             { "name": "app", "mode": "enforce" }, { "name": "data", "mode": "enforce" },
             { "name": "host", "mode": "enforce" } ],
  "borders": [ { "from": "web", "to": "data", "verdict": "deny" } ],
  "allow": [ { "from": "web", "to": "app", "proto": "tcp", "port": 80 },
             { "from": "app", "to": "db", "proto": "tcp", "port": 5432 },
             { "from": "app", "to": "db", "proto": "udp", "port": 5353 },
             { "from": "db", "to": "gateway", "proto": "icmp" } ] }
EOF
opts=(--runtime none --inventory "$tmp/inventory.json" --quiet)

# --- the attacks, each with what it changed (printed) ---------------------------------
# catch_start NS IFACE KIND...: a UDP socket on NS's port 7777 and a capture
# on IFACE, until catch_stop prints what they saw.  What must arrive is
# waited for (caught); what must not is stopped once the kernel has counted
# the frame (counted), so neither depends on how fast anything runs.
catch_start() {
	local ns=$1 iface=$2
	shift 2
	ip netns exec "$ns" python3 -u "$frames" catch "$iface" 60 "$@" >"$tmp/catch" 2>&1 &
	catch_pid=$!
	wait_for 5 grep -q ready "$tmp/catch"
}
catch_stop() { kill "$catch_pid"; wait "$catch_pid"; grep -v ready "$tmp/catch" | sort | tr '\n' ' '; }
caught() { wait_for 10 grep -q "^$1\$" "$tmp/catch"; }
counted() { wait_for 10 eval '[ "$(counter '"$1 $2"')" -gt '"$3"' ]'; }
host_catch_start() { catch_start "$host" vethweb "$@"; }
# reserved KIND BYTE: web sends the host a datagram "zw-KIND" from db's address
# (never checked on this path) to the reserved group MAC 01:80:c2:00:00:BYTE
reserved() { F "$web" udp eth0 udp 01:80:c2:00:00:"$2" 10.77.0.4 10.77.0.1 "$1"; }
# fdb_port MAC: the bridge port the bridge forwards MAC's frames to
fdb_port() { H bridge fdb show br br0 | awk -v m="$1" '$1 == m && $2 == "dev" {print $3; exit}'; }
# fdb_watch_start: record the bridge's forwarding-table changes (bridge monitor),
# ready once a test entry of ours shows up in it; fdb_moved: db's MAC was on
# web's port at some moment since (a move undone by db's next frame counts)
fdb_watch_start() {
	H bridge monitor fdb >"$tmp/fdbmon" 2>&1 &
	fdbmon_pid=$!
	on_cleanup "kill $fdbmon_pid"
	until grep -q 02:77:00:00:00:aa "$tmp/fdbmon"; do
		H bridge fdb replace 02:77:00:00:00:aa dev vethapp master static
		wait_for 1 grep -q 02:77:00:00:00:aa "$tmp/fdbmon" && break
	done
	H bridge fdb del 02:77:00:00:00:aa dev vethapp master
}
fdb_watch_stop() { kill "$fdbmon_pid"; wait "$fdbmon_pid" 2>/dev/null; }
fdb_moved() { grep -q "^$db_mac dev vethweb" "$tmp/fdbmon"; }
# fdb_attack BYTE KIND: web's frame to 01:80:c2:00:00:BYTE with db's MAC, sent
# again (three times at most) until the move shows; returns whether it did
fdb_attack() {
	local i
	for i in 1 2 3; do
		F "$web" l2 eth0 01:80:c2:00:00:"$1" $db_mac "$2$i"
		wait_for 2 fdb_moved && return 0
	done
	return 1
}
# db makes itself known on its port (the bridge learns its MAC there)
db_speaks() { ip netns exec "$db" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1; }
# neigh NS ADDR: the MAC NS's neighbour table holds for ADDR
neigh() { ip -n "$1" neigh show "$2" dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
# app learns a neighbour: the gateway's link-local address, db's, web's IPv4
app_knows() { ip -n "$app" neigh replace "$1" lladdr "$2" dev eth0 nud stale; }
db_knows() { ip -n "$db" neigh replace "$1" lladdr "$2" dev eth0 nud stale; }
# db's server on tcp/5432: it keeps every connection open
ip netns exec "$db" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5432)); s.listen(4); held = []
while True:
    c, a = s.accept(); held.append(c); print("accepted", a[1], flush=True)' >"$tmp/db-server" 2>&1 &
on_cleanup "kill $!"
wait_for 5 sh -c "ip netns exec $db ss -ltn | grep -q ':5432 '" || tap_bail "db's server did not start"
# hold_connection PORT: a TCP connection app:PORT -> db:5432, held open
# (the one an ICMP error quotes; made while the table is there, so conntrack knows it)
hold_connection() {
	ip netns exec "$app" python3 -c '
import socket, sys
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.connect(("10.77.0.4", 5432))
sys.stdin.read()' "$1" <> <(:) >"$tmp/app-client" 2>&1 &
	on_cleanup "kill $!"
	wait_for 5 grep -q "accepted $1" "$tmp/db-server"
}
# icmp_error KIND PORT: web tells db "port unreachable" about db:5432 -> app:PORT
# (db's interface is watched: catch_start "$db" eth0 KIND first)
icmp_error() { F "$web" icmperr eth0 "$db_mac" 10.77.0.2 10.77.0.4 10.77.0.4 5432 10.77.0.3 "$2" "$1"; }
counter() { H nft -j list counter "$1" zonewall "$2" | jq '.nftables[].counter? | .packets // empty'; }

# --- without zonewall: the controls ----------------------------------------------------
host_catch_start r3
reserved r3 03
caught r3:app
tap_is "$(catch_stop)" "r3:app r3:wire " \
	"without zonewall, web's datagram to 01:80:c2:00:00:03 from db's address reaches the host's socket (control)"
db_speaks
tap_is "$(fdb_port $db_mac)" vethdb "the bridge has db's MAC on db's port"
fdb_watch_start
fdb_attack 03 fdb
tap_ok $? "without zonewall, one frame from web to 01:80:c2:00:00:03 with db's MAC moves db's MAC to web's port (control)"
fdb_watch_stop
db_speaks
app_knows "$gw_ll" $gw_mac
F "$web" nd6 eth0 na "$web_ll" "$gw_ll"
wait_for 5 eval '[ "$(neigh "$app" "$gw_ll")" = $web_mac ]'
tap_ok $? "without zonewall, web's advertisement of the gateway's link-local address takes app's entry (control)"
db_knows "$app_ll" $app_mac
F "$web" nd6 eth0 ns "$app_ll" "$db_ll"
wait_for 5 eval '[ "$(neigh "$db" "$app_ll")" = $web_mac ]'
tap_ok $? "without zonewall, web's solicitation from app's link-local address takes db's entry for app (control)"
app_knows 10.77.0.2 $web_mac
F "$web" arp eth0 $app_mac 10.77.0.2 $db_mac 10.77.0.3
wait_for 5 eval '[ "$(neigh "$app" 10.77.0.2)" = $db_mac ]'
tap_ok $? "without zonewall, web's ARP reply naming db's MAC for web's address takes app's entry (control)"
hold_connection 40001
catch_start "$db" eth0 e1
icmp_error e1 40001
caught e1:wire
tap_is "$(catch_stop)" "e1:wire " \
	"without zonewall, web's ICMP error quoting db's connection to app reaches db (control)"
# the paths with no bridge hook at all: with STP on, 01:80:c2:00:00:00 goes
# straight to the host (on this kernel; the input hook sees 0x02-0x0f)
H ip link set br0 type bridge stp_state 1 || tap_bail "cannot turn STP on"
host_catch_start r0
reserved r0 00
caught r0:app
tap_is "$(catch_stop)" "r0:app r0:wire " \
	"without zonewall, with STP on, web's datagram to 01:80:c2:00:00:00 reaches the host's socket (control)"
db_speaks
fdb_watch_start
fdb_attack 00 fdb0
tap_ok $? "without zonewall, with STP on, a frame to 01:80:c2:00:00:00 with db's MAC moves it to web's port (control)"
fdb_watch_stop
tap_is "$(H cat /sys/class/net/br0/bridge/no_linklocal_learn)" 0 "no_linklocal_learn is off on a new bridge"
H ip link set br0 type bridge stp_state 0
port_forwarding() { H bridge link show dev "$1" | grep -q 'state forwarding'; }
for p in vethweb vethapp vethdb; do wait_for 10 port_forwarding $p || tap_bail "$p does not forward"; done
for n in "$web" "$app" "$db"; do ip -n "$n" neigh flush dev eth0; ip -n "$n" -6 neigh flush dev eth0; done

# --- with zonewall ---------------------------------------------------------------------
run_cmd ZW apply "$tmp/policy.json" "${opts[@]}"
tap_is "$rc/$err" "0/" "apply, every zone enforcing"
tap_is "$(H nft -j list set inet zonewall ports | jq -c '[.nftables[].set? | select(.) | .elem[]] | sort')" \
	'["vethapp","vethdb","vethweb"]' "the inet table knows the container ports"
H "$ZONEWALL" denied --json --count 11 --duration 120 "${opts[@]}" >"$tmp/denied.json" 2>"$tmp/denied.err" &
dpid=$!
wait_for 5 grep -q listening "$tmp/denied.err" || tap_bail "denied does not listen: $(cat "$tmp/denied.err")"

g0=$(counter bridge c_spoofed.group_mac)
host_catch_start r3z
reserved r3z 03
counted bridge c_spoofed.group_mac "$g0"
tap_is "$(catch_stop)" "r3z:wire " "web's datagram to 01:80:c2:00:00:03 no longer reaches the host (seen on web's port only)"
tap_is "$(($(counter bridge c_spoofed.group_mac) - g0))" 1 "dropped by the bridge input hook and counted (c_spoofed.group_mac)"

db_speaks
fdb_watch_start
F "$web" l2 eth0 01:80:c2:00:00:03 $db_mac fdbz
counted bridge c_spoofed.group_mac $((g0 + 1))
tap_ok $? "web's frame with db's MAC to a reserved address is dropped and counted"
fdb_watch_stop
tap_ok "$(! fdb_moved; echo $?)" "and never moves db's MAC in the bridge's forwarding table (bridge monitor)"

app_knows "$gw_ll" $gw_mac
app_knows "$web_ll" 02:77:00:00:00:99	# an entry the honest advertisement overrides
nd0=$(counter bridge c_spoofed.nd)
F "$web" nd6 eth0 na "$web_ll" "$gw_ll"
F "$web" nd6 eth0 na "$web_ll" "$web_ll"	# its own: passes, and comes after the forged one
wait_for 5 eval '[ "$(neigh "$app" "$web_ll")" = $web_mac ]'
tap_ok $? "web's advertisement of its own link-local address reaches app (control)"
tap_is "$(neigh "$app" "$gw_ll")" $gw_mac "web's advertisement of the gateway's link-local address is dropped: app keeps the gateway's MAC"
tap_is "$(($(counter bridge c_spoofed.nd) - nd0))" 1 "and counted (c_spoofed.nd)"
db_knows "$app_ll" $app_mac
v6=$(counter bridge c_spoofed.ipv6)
F "$web" nd6 eth0 ns "$app_ll" "$db_ll"
F "$web" nd6 eth0 ns "$web_ll" "$db_ll"	# from its own address: passes
wait_for 5 eval '[ "$(neigh "$db" "$web_ll")" = $web_mac ]'
tap_ok $? "web's solicitation from its own link-local address reaches db (control)"
tap_is "$(neigh "$db" "$app_ll")" $app_mac "web's solicitation from app's link-local address is dropped: db keeps app's MAC"
tap_is "$(($(counter bridge c_spoofed.ipv6) - v6))" 1 "and counted (c_spoofed.ipv6)"

app_knows 10.77.0.2 $web_mac
arp0=$(counter bridge c_spoofed.arp)
F "$web" arp eth0 $app_mac 10.77.0.2 $db_mac 10.77.0.3
F "$web" arp eth0 $app_mac 10.77.0.5 $web_mac 10.77.0.3	# an unbound sender address: the older check
counted bridge c_spoofed.arp $((arp0 + 1))
tap_is "$(neigh "$app" 10.77.0.2)" $web_mac "web's ARP reply naming db's MAC is dropped: app keeps web's MAC"
tap_is "$(($(counter bridge c_spoofed.arp) - arp0))" 2 "both forged ARP replies counted (c_spoofed.arp)"

hold_connection 40002
tap_ok "$(H conntrack -L 2>/dev/null | grep -q 'sport=40002 dport=5432'; [ $? = 0 ] || ! command -v conntrack >/dev/null; echo $?)" \
	"conntrack knows app's connection to db"
b0=$(H nft -j list counter inet zonewall c_web.data.denied | jq '.nftables[].counter? | .packets // empty')
catch_start "$db" eth0 e2
icmp_error e2 40002
counted inet c_web.data.denied "$b0"
tap_is "$(catch_stop)" "" "web's ICMP error quoting db's connection to app no longer reaches db"
tap_is "$(($(H nft -j list counter inet zonewall c_web.data.denied | jq '.nftables[].counter? | .packets // empty') - b0))" 1 \
	"it is judged as web -> data: refused by the border and counted"
# refusals without ports and invalid packets reach `zonewall denied` too
ip netns exec "$web" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47); s.sendto(b"\0\0\x08\0zw-gre", ("10.77.0.4", 0))'
counted inet c_web.data.denied $((b0 + 1))
tap_ok $? "web's GRE packet to db is refused by the border and counted"
i0=$(counter inet c_invalid)
icmp_error e3 40999	# quotes a connection conntrack never saw
counted inet c_invalid "$i0"
tap_ok $? "an ICMP error quoting no connection is invalid: dropped and counted (c_invalid)"
# a party's error still passes: db has nothing on udp/5353, app is allowed there
tap_is "$(ip netns exec "$app" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(("10.77.0.4", 5353)); s.send(b"x")
try:
    s.recv(10); print("answer")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")')" refused "db's own port-unreachable reaches app (an error from a party of the connection)"

H ip link set br0 type bridge stp_state 1
d0=$(counter inet c_spoofed.direct)
host_catch_start r0z
reserved r0z 00
counted inet c_spoofed.direct "$d0"
tap_is "$(catch_stop)" "r0z:wire " "with STP on, web's datagram to 01:80:c2:00:00:00 no longer reaches the host (seen on web's port only)"
tap_is "$(($(counter inet c_spoofed.direct) - d0))" 1 "refused by the inet input chain as arriving on a container's port (c_spoofed.direct)"
tap_is "$(H cat /sys/class/net/br0/bridge/no_linklocal_learn)" 1 "apply turned no_linklocal_learn on"
db_speaks
g1=$(counter bridge c_spoofed.group_mac)
fdb_watch_start
F "$web" l2 eth0 01:80:c2:00:00:00 $db_mac fdb0z
reserved r0m 03	# after it on the same port: once this one is counted, that one was handled
counted bridge c_spoofed.group_mac "$g1"
fdb_watch_stop
tap_ok "$(! fdb_moved; echo $?)" "with STP on, a frame to 01:80:c2:00:00:00 with db's MAC no longer moves it (no_linklocal_learn; bridge monitor)"
H ip link set br0 type bridge stp_state 0

wait $dpid
jq -c '.[] | [.verdict, .port, .from, .proto, .src, .dst]' "$tmp/denied.json" >"$tmp/rows"
tap_diag "denied: $(tr '\n' ' ' <"$tmp/rows")"
tap_ok "$(grep -qxF '["spoofed","vethweb","web","udp","10.77.0.4","10.77.0.1"]' "$tmp/rows"; echo $?)" \
	"denied reports the datagram to the reserved address with web's port and identity"
tap_ok "$(grep -q '"arp"' "$tmp/rows"; echo $?)" "denied reports the forged ARP"
tap_ok "$(jq -e '[.[] | select(.verdict == "denied (border)" and .proto == "icmp" and .from == "web" and .to == "db")] | length > 0' \
	"$tmp/denied.json" >/dev/null; echo $?)" "denied reports the ICMP error as web -> db, refused by the border"
tap_ok "$(jq -e '[.[] | select(.verdict == "denied (border)" and .proto == "47" and .src == "10.77.0.2" and .dst == "10.77.0.4" and .dport == null)] | length == 1' \
	"$tmp/denied.json" >/dev/null; echo $?)" "denied reports the GRE packet by its protocol number, without ports"
tap_ok "$(jq -e '[.[] | select(.verdict == "invalid" and .proto == "icmp" and .from == "web" and .to == "db")] | length == 1' \
	"$tmp/denied.json" >/dev/null; echo $?)" "denied reports the invalid ICMP error"
tap_ok "$(ZW status --json | jq -e '.totals.spoofed >= 6' >/dev/null; echo $?)" "status counts the spoofed frames"

run_cmd ZW uninstall
tap_is "$rc" 0 "uninstall"
tap_done
