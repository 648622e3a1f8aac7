#!/bin/bash
# Enforcement end to end (zonewall compile/apply/status/denied/uninstall)
# on a real kernel with real traffic, inventory-only (no runtime): inside a
# private host namespace, namespaces a (10.77.0.2, zone web), b (.3, app)
# and c (.4, db) sit on bridge br0; namespace i (10.99.0.2) is "the
# internet", routed beyond the host.  The policy allows a->b tcp/80 only,
# web may not reach the internet (deny border), app may.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
for t in nft jq nc ping python3; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
[ -x "$ZONEWALL" ] || tap_bail "build zonewall first"

host="${NS_TAG}h" a="${NS_TAG}a" b="${NS_TAG}b" c="${NS_TAG}c" i="${NS_TAG}i"
for n in "$host" "$a" "$b" "$c" "$i"; do ns_add "$n" || tap_bail "cannot create namespace $n"; done
tmp=$(mktemp -d)
on_cleanup "rm -rf '$tmp'"
H() { ip netns exec "$host" "$@"; }
ZW() { H "$ZONEWALL" "$@"; }

H ip link add br0 type bridge && H ip link set br0 up && H ip addr add 10.77.0.1/24 dev br0 ||
	tap_bail "cannot build the bridge"
for ni in a:2 b:3 c:4; do
	n=${ni%:*} k=${ni#*:} ns=${NS_TAG}${ni%:*}
	H ip link add veth$n type veth peer name eth0 netns "$ns" &&
		H ip link set veth$n master br0 up &&
		ip -n "$ns" link set eth0 address 02:77:00:00:00:0$k &&
		ip -n "$ns" addr add 10.77.0.$k/24 dev eth0 && ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via 10.77.0.1 || tap_bail "cannot plug $n"
	wait_for 5 link_is_up "$host" veth$n || tap_bail "veth$n did not come up"
done
H ip link add up0 type veth peer name eth0 netns "$i" && H ip addr add 10.99.0.1/24 dev up0 &&
	H ip link set up0 up && ip -n "$i" addr add 10.99.0.2/24 dev eth0 &&
	ip -n "$i" link set eth0 up && ip -n "$i" route add default via 10.99.0.1 &&
	H sysctl -qw net.ipv4.ip_forward=1 || tap_bail "cannot build the uplink"
[ "$(H cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: bridged traffic does not reach the inet forward hook"

cat >"$tmp/inventory.json" <<'EOF'
{ "version": 1, "entries": [
  { "name": "a", "zone": "web", "cidrs": ["10.77.0.2/32"] },
  { "name": "b", "zone": "app", "cidrs": ["10.77.0.3/32"] },
  { "name": "c", "zone": "db", "cidrs": ["10.77.0.4/32"] },
  { "name": "gateway", "zone": "host", "cidrs": ["10.77.0.1/32"] },
  { "name": "internet", "zone": "internet", "cidrs": ["0.0.0.0/0"] } ] }
EOF
policy() {	# policy MODE: the test policy with every container zone in MODE
	cat <<EOF
{ "version": 1, "default_zone": "default",
  "zones": [ { "name": "default", "mode": "$1" }, { "name": "web", "mode": "$1" },
             { "name": "app", "mode": "$1" }, { "name": "db", "mode": "$1" },
             { "name": "host", "mode": "$1" }, { "name": "internet", "mode": "$1" } ],
  "borders": [ { "from": "web", "to": "internet", "verdict": "deny" },
               { "from": "app", "to": "internet", "verdict": "allow" },
               { "from": "web", "to": "host", "verdict": "allow" } ],
  "allow": [ { "from": "a", "to": "b", "proto": "tcp", "port": 80 }${2:-} ] }
EOF
}
policy enforce >"$tmp/enforce.json"
policy monitor >"$tmp/monitor.json"
policy enforce ', { "from": "a", "to": "b", "proto": "tcp", "port": 81 }' >"$tmp/enforce81.json"
opts=(--runtime none --inventory "$tmp/inventory.json" --quiet)

# Someone else's table, which must survive everything we do.
H nft -f - <<'EOF' || tap_bail "cannot create the neighbour table"
table inet neighbour {
	set keep { type ipv4_addr; elements = { 192.0.2.1 } }
	chain nbfwd { type filter hook forward priority 10; policy accept; ip saddr @keep accept; }
}
EOF
neighbour=$(H nft -j list table inet neighbour)

# smuggle NS KIND DSTMAC: a datagram "zw-KIND" from NS (c's address) to b's
# UDP port 7777, untagged, VLAN-tagged or as ether type 0x88b5 (tests/lib/frames.py)
frames=$(dirname "$0")/../lib/frames.py
smuggle() { ip netns exec "$1" python3 "$frames" udp eth0 "$2" "$3" 10.77.0.4 10.77.0.3; }
# catch_start NS KIND...: what NS's eth0 and UDP port 7777 get within 1 s of
# the catcher being ready (catch_result: for frames that must not arrive)
catch_start() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 -u "$frames" catch eth0 "${catch_secs:-1}" "$@" >"$tmp/catch" 2>&1 &
	catch_pid=$!
	wait_for 5 grep -q ready "$tmp/catch"
}
caught() { grep -v ready "$tmp/catch" | sort | tr '\n' ' '; }
catch_result() { wait "$catch_pid"; caught; }
# catch_expect NS WANT SEND...: for frames that must arrive, WANT being what
# catch_result would print ("KIND:app KIND:wire ..."): catches on NS while
# "SEND... KIND" sends each KIND, until every line of WANT is in or, for a
# kind still missing 5 s after its send, it was sent 3 times (a copy lost
# under load is not a refusal); prints what was caught, and lists the kinds
# it sent, one a line and again for each resend, in $tmp/sent
catch_expect() {
	local ns=$1 want=$2 try k w missing
	shift 2
	: >"$tmp/sent"
	catch_secs=60 catch_start "$ns" $(printf '%s\n' $want | cut -d: -f1 | sort -u)
	for try in 1 2 3; do
		missing=$(for w in $want; do grep -qx "$w" "$tmp/catch" || echo "${w%:*}"; done | sort -u)
		[ -n "$missing" ] || break
		[ $try = 1 ] || tap_diag "not caught yet, sent again: $(echo $missing)" >&2
		for k in $missing; do "$@" "$k" && echo "$k" >>"$tmp/sent"; done
		wait_for 5 eval '[ "$(caught)" = "$want" ]'
	done
	kill "$catch_pid" 2>/dev/null
	catch_result
}
frame_drops() { H nft -j list counter bridge zonewall c_spoofed.frame | jq '.nftables[].counter? | .packets // empty'; }
b_mac=02:77:00:00:00:03
# nd6 NS KIND [TARGET]: a router advertisement, redirect or neighbour
# advertisement (TARGET is at my MAC) from NS's eth0 and link-local address
nd6() {
	ip netns exec "$1" python3 "$frames" nd6 eth0 "$2" \
		"$(ip -n "$1" -6 -br addr show dev eth0 scope link | awk '{print $3}' | cut -d/ -f1)" ${3:+"$3"}
}
ra_route() { ip -n "$1" -6 route show default proto ra | head -1; }
# group NS ADDR KIND: a UDP datagram "zw-KIND" from NS to ADDR:7777 (broadcast allowed)
group() { ip netns exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.sendto(b"zw-" + sys.argv[2].encode(), (sys.argv[1], 7777))' "$2" "$3"; }
group_kind() {	# group_kind NS KIND: bc to the subnet's broadcast, lb to 255.255.255.255, mc to all hosts
	case $2 in
	bc) group "$1" 10.77.0.255 bc ;; lb) group "$1" 255.255.255.255 lb ;; mc) group "$1" 224.0.0.1 mc ;; *) return 1 ;;
	esac
}
group_all() { group_kind "$1" bc && group_kind "$1" lb && group_kind "$1" mc; }	# group_all NS
group_drops() { H nft -j list counter bridge zonewall "$1" | jq '.nftables[].counter? | .packets // empty'; }

# --- before zonewall: what a container can send past br_netfilter --------------------------
# The controls for the anti-smuggling test below: the kernel itself delivers these.
c_to_b() { smuggle "$c" "$1" $b_mac; }	# c_to_b KIND
tap_is "$(catch_expect "$b" "ad0:app ad0:wire raw:wire vid0:app vid0:wire " c_to_b)" \
	"ad0:app ad0:wire raw:wire vid0:app vid0:wire " \
	"without zonewall, c's VLAN-id-0 datagrams reach b's application and its 0x88b5 frame b's interface (control)"
nd6 "$c" ra
wait_for 5 eval '[ -n "$(ra_route "$a")" ]'
tap_ok $? "without zonewall, c's router advertisement makes a route IPv6 through c (control): $(ra_route "$a")"
ip -n "$a" -6 route flush default proto ra
tap_is "$(catch_expect "$a" "bc:app bc:wire lb:app lb:wire mc:app mc:wire " group_kind "$b")" \
	"bc:app bc:wire lb:app lb:wire mc:app mc:wire " \
	"without zonewall, b's broadcast and multicast datagrams reach a's application (control)"

# --- compile and apply agree ------------------------------------------------
run_cmd ZW compile "$tmp/enforce.json" "${opts[@]}"
tap_is "$rc" 0 "compile succeeds"
printf '%s\n' "$out" >"$tmp/enforce.nft"
H nft -c -f "$tmp/enforce.nft"
tap_ok $? "nft -c -f accepts what compile prints"
tap_ok "$(grep -q '"veth[abc]" . 02:77:00:00:00:0[234] . 10.77.0.[234]' "$tmp/enforce.nft"; echo $?)" \
	"inventory addresses are bound to the bridge ports they live behind"
run_cmd ZW apply "$tmp/enforce.json" "${opts[@]}"
tap_is "$rc/$err" "0/" "apply succeeds"
tap_ok "$(grep -q '^applied table inet zonewall: 6 zones, 1 allowlist elements' <<<"$out"; echo $?)" "apply: $out"
tap_is "$(H nft -j list set bridge zonewall watched | jq -r '[.nftables[].set? | select(.) | .elem // [] | .[]] | length')" 0 \
	"every zone enforces: no port is watched (spoofed frames are dropped)"
nojq='walk(if type == "object" then del(.handle, .packets, .bytes) else . end)'
ip netns add "${NS_TAG}s" && NS_MADE+=("${NS_TAG}s")
ip netns exec "${NS_TAG}s" nft -f "$tmp/enforce.nft"
tap_is "$(H nft -j list table inet zonewall | jq -S "$nojq")" \
	"$(ip netns exec "${NS_TAG}s" nft -j list table inet zonewall | jq -S "$nojq")" \
	"what apply installed lists the same as nft -f of what compile printed"
# The listing hides the checks nft adds before a header field (it printed the
# same when apply checked "meta protocol" where nft -f checked "ether type"):
# compare the kernel's own bytecode (nft_bytecode, tests/lib/netns.sh).
bytecode() { nft_bytecode "$1" "$2" zonewall; }
for f in inet bridge; do
	tap_is "$(diff <(bytecode "$host" $f) <(bytecode "${NS_TAG}s" $f) | head -20)" "" \
		"table $f zonewall: the kernel holds the same bytecode from apply as from nft -f of compile's text ($(bytecode "$host" $f | grep -c '^  \[') expressions)"
done
tap_is "$(bytecode "$host" bridge | grep -c 'meta load protocol')" 0 \
	"the bridge table checks frames' ether type, never meta protocol (a VLAN tag's inner type)"
tap_is "$(H nft -j list table inet zonewall | jq '[.nftables[] | .table? | select(.) | .flags // []] | flatten | index("owner")')" \
	null "no owner flag: the table outlives the process (apply has exited, the table is there)"

# --- traffic -----------------------------------------------------------------------

for n in "$a" "$b" "$c" "$i"; do serve "$n" 80 || tap_bail "server in $n did not start"; done
tap_is "$(talk "$a" 10.77.0.3 80)" pong "a->b tcp/80 connects and the reply comes back (stateful)"
tap_is "$(talk "$b" 10.77.0.2 80)" "" "b->a refused: the responder cannot open a connection back"
tap_is "$(talk "$a" 10.77.0.4 80)" "" "a->c refused (not in the allowlist)"
ip netns exec "$a" ping -c1 -W1 10.77.0.3 >/dev/null 2>&1
tap_is $? 1 "ping a->b refused"
tap_is "$(talk "$a" 10.99.0.2 80)" "" "egress web->internet refused (deny border)"
tap_is "$(talk "$b" 10.99.0.2 80)" pong "egress app->internet passes (allow border), routed beyond the host"
# app may reach the internet zone, which covers 10.77.0.255, 255.255.255.255 and 224.0.0.1;
# it may not reach web: its broadcasts must not reach a
before=$(group_drops c_group)
catch_start "$a" bc lb mc
group_all "$b"
tap_is "$(catch_result)" "" "b's broadcast and multicast datagrams do not reach a (app -> web is refused)"
tap_ok "$([ "$(group_drops c_group)" -ge $((before + 3)) ]; echo $?)" \
	"they are dropped where the bridge copies them to a's port, and counted ($before -> $(group_drops c_group))"
ip netns exec "$a" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1
tap_is $? 0 "a->host allowed (border web->host allow, input chain)"
ip netns exec "$c" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1
tap_is $? 1 "c->host refused (input chain)"

run_cmd ZW status --json
tap_is "$rc" 0 "status --json"
st=$out
tap_is "$(jq -r '.tables | join(",")' <<<"$st")" "inet zonewall,bridge zonewall" "status: our tables"
tap_is "$(jq -r '.zones[] | select(.zone == "web") | .mode' <<<"$st")" enforce "status: zone modes"
tap_ok "$(jq -e '.pairs[] | select(.from == "web" and .to == "app") | .accepted > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: web>app accepted counted"
tap_ok "$(jq -e '.pairs[] | select(.from == "app" and .to == "web") | .denied > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: app>web denied counted"
tap_ok "$(jq -e '.pairs[] | select(.from == "web" and .to == "internet") | .border_violations > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: web>internet counted as border violations"
tap_is "$(jq '[.sets[] | select(.set == "allow4")][0].elements' <<<"$st")" 1 "status: element counts"
tap_ok "$(jq -e '.kernel.path | test("br_netfilter")' <<<"$st" >/dev/null; echo $?)" "status: kernel path named"
run_cmd ZW status
tap_ok "$(grep -q '^web  *app ' <<<"$out"; echo $?)" "status table lists zone pairs"
tap_fits "$out" "status: the table fits 120 columns"

# --- counters survive a table replacement ----------------------------------------
# The zone-pair counters are named objects (c_FROM.TO.KIND) that apply keeps
# when it replaces the table: a reload loses no count.
web_db() { ZW status --json | jq '.pairs[] | select(.from == "web" and .to == "db") | .denied'; }
kernel_web_db() { H nft -j list counter inet zonewall c_web.db.denied | jq '.nftables[].counter? | .packets // empty'; }
d0=$(web_db) k0=$(kernel_web_db)
ip netns exec "$a" ping -c 3 -i 0.2 -W 0.2 10.77.0.4 >/dev/null 2>&1
d1=$(web_db)
tap_is "$((d1 - d0)) $(($(kernel_web_db) - k0))" "3 3" "three refused pings a->c: web>db denied counts 3 (status and the kernel's counter)"
run_cmd ZW apply "$tmp/enforce81.json" "${opts[@]}"
tap_is "$rc" 0 "replace the table (a policy with one more rule)"
tap_is "$(web_db)" "$d1" "after the replacement web>db denied still reads $d1"
ip netns exec "$a" ping -c 2 -i 0.2 -W 0.2 10.77.0.4 >/dev/null 2>&1
tap_is "$(web_db) $(kernel_web_db)" "$((d1 + 2)) $((k0 + 5))" "and counts on from there"
names() { sort | tr '\n' ' '; }
tap_is "$(H nft -j list counters | jq -r '.nftables[].counter? | select(.table == "zonewall") | .family + " " + .name' | names)" \
	"$(ZW compile "$tmp/enforce81.json" "${opts[@]}" | awk '/^table/ { f = $2 } /^\tcounter / { print f " " $2 }' | names)" \
	"the kernel holds exactly the counters the model declares, in both tables"

# Two appliers at once on the same table (policies whose counters differ):
# each reads what the table holds
# and the ruleset's generation, and its batch is refused whole (ERESTART)
# when the other committed in between; it then reads again and retries.
applier() { local f=0; for _ in $(seq 15); do ZW apply "$1" "${opts[@]}" >/dev/null 2>>"$tmp/race.err" || f=$((f + 1)); done; echo "$f" >"$2"; }
applier "$tmp/enforce.json" "$tmp/race1" & r1=$!
applier "$tmp/monitor.json" "$tmp/race2" & r2=$!
wait "$r1" "$r2"
tap_is "$(cat "$tmp/race1") $(cat "$tmp/race2")" "0 0" "two concurrent appliers, 15 applies each: none fails ($(head -c 300 "$tmp/race.err"))"
kc=$(H nft -j list counters | jq -r '.nftables[].counter? | select(.table == "zonewall") | .family + " " + .name' | names)
mc() { ZW compile "$1" "${opts[@]}" | awk '/^table/ { f = $2 } /^\tcounter / { print f " " $2 }' | names; }
tap_ok "$([ "$kc" = "$(mc "$tmp/enforce.json")" ] || [ "$kc" = "$(mc "$tmp/monitor.json")" ]; echo $?)" \
	"and the table is exactly one of the two policies (no counter of the other left behind)"
# What someone added to our table by hand goes with a replacement: a rule
# holding an anonymous (bound) chain, a chain, a set, a quota object.
H nft -f - <<'EOF'
table inet zonewall {
	set stray {
		type ipv4_addr
	}
	quota strayq {
		over 100 mbytes
	}
	chain straych {
		counter
	}
	chain forward {
		ip saddr 192.0.2.9 jump {
			counter accept
		}
	}
}
EOF
tap_is "$?" 0 "hand-made additions to our table (a bound chain among them)"
run_cmd ZW apply "$tmp/enforce.json" "${opts[@]}"
tap_is "$rc/$err" "0/" "apply replaces a table holding them"
tap_is "$(H nft -j list table inet zonewall | jq -c '[.nftables[] | (.set?, .chain?, .quota?) | select(.) | .name | select(test("^stray|^__chain"))]')" \
	"[]" "and none of them is left"
run_cmd ZW apply "$tmp/enforce.json" "${opts[@]}"
tap_is "$rc" 0 "back to the first policy"

# --- anti-spoofing: c borrows a's address (which b would accept) ----------------
ip -n "$c" addr add 10.77.0.2/32 dev eth0 2>/dev/null
# c knows b's MAC: its SYN is the first frame (an ARP from a's address is the garp test's)
ip -n "$c" neigh replace 10.77.0.3 lladdr 02:77:00:00:00:03 dev eth0 nud reachable
H "$ZONEWALL" denied --json --count 1 --duration 10 "${opts[@]}" >"$tmp/spoofed.json" 2>"$tmp/spoofed.err" &
dpid=$!
wait_for 5 grep -q listening "$tmp/spoofed.err"
tap_is "$(talk "$c" 10.77.0.3 80 10.77.0.2)" "" "c sending from a's address is dropped"
wait $dpid
tap_is "$(jq -c '.[0] | [.verdict, .port, .from, .src, .dst, .to, .proto, .dport]' "$tmp/spoofed.json")" \
	'["spoofed","vethc","c","10.77.0.2","10.77.0.3","b","tcp",80]' \
	"denied reports the spoofed frame with the port it came in by and that port's identity"
tap_ok "$(ZW status --json | jq -e '.totals.spoofed > 0' >/dev/null; echo $?)" "status: spoofed frames counted"
ip -n "$c" addr del 10.77.0.2/32 dev eth0
for n in "$a" "$b"; do ip -n "$n" neigh flush all; done

# --- anti-spoofing: c claims b's address in ARP (cache poisoning) -----------------
garp() {	# garp NS IP: a gratuitous ARP request from NS's eth0 (its own MAC) claiming IP
	ip netns exec "$1" python3 - "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
mac, ip = s.getsockname()[4], socket.inet_aton(sys.argv[1])
arp = bytes.fromhex("0001080006040001") + mac + ip + bytes(6) + ip
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
PY
}
lladdr_of() { ip -n "$a" neigh show "$1" dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
arp_drops() {	# the rule counts into a named counter of its own
	H nft -j list chain bridge zonewall prerouting |
		jq -e '.nftables[].rule? | select(.comment == "spoofed ARP sender") | .expr[] | select(.counter == "c_spoofed.arp")' >/dev/null || { echo "no-counter"; return; }
	H nft -j list counter bridge zonewall c_spoofed.arp | jq '.nftables[].counter? | .packets // empty'
}
ip -n "$a" neigh replace 10.77.0.3 lladdr 02:77:00:00:00:03 dev eth0 nud stale
ip -n "$a" neigh replace 10.77.0.4 lladdr 02:77:00:00:00:99 dev eth0 nud stale
drops=$(arp_drops)
H "$ZONEWALL" denied --json --count 1 --duration 10 "${opts[@]}" >"$tmp/spoofed.json" 2>"$tmp/spoofed.err" &
dpid=$!
wait_for 5 grep -q listening "$tmp/spoofed.err"
garp "$c" 10.77.0.3 && garp "$c" 10.77.0.4
wait $dpid
tap_is "$(jq -c '.[0] | [.verdict, .port, .from, .proto, .src, .to]' "$tmp/spoofed.json")" \
	'["spoofed","vethc","c","arp","10.77.0.3","b"]' "denied reports the forged ARP: c's port claiming b's address"
# c's honest ARP for its own address (sent after the forged one) reaches a and is learned
wait_for 5 eval '[ "$(lladdr_of 10.77.0.4)" = 02:77:00:00:00:04 ]'
tap_ok $? "c's ARP for its own address reaches a (control)"
tap_is "$(lladdr_of 10.77.0.3)" 02:77:00:00:00:03 "c's ARP claiming b's address is dropped: a keeps b's MAC"
tap_ok "$([ "$(arp_drops)" -gt "$drops" ]; echo $?)" "spoofed ARP sender counted ($drops -> $(arp_drops))"
for n in "$a" "$b"; do ip -n "$n" neigh flush all; done

# --- anti-smuggling: frames br_netfilter would not show the inet chains --------------------
drops=$(frame_drops)
catch_start "$b" udp vid0 ad0 raw
for k in udp vid0 ad0 raw; do smuggle "$c" $k $b_mac; done
tap_is "$(catch_result)" "" "c's datagram to b is refused untagged, and in 802.1Q or 802.1ad tags of VLAN id 0; its 0x88b5 frame too"
tap_is "$(($(frame_drops) - drops))" 3 "the three tagged or non-IP frames are counted as spoofed frame types"
tap_ok "$(ZW status --json | jq -e '.totals.spoofed >= 3' >/dev/null; echo $?)" "status: counted as spoofed"
tap_is "$(talk "$a" 10.77.0.3 80)" pong "a->b tcp/80 still connects"
nd_drops() { H nft -j list counter bridge zonewall c_spoofed.nd | jq '.nftables[].counter? | .packets // empty'; }
drops=$(nd_drops)
nd6 "$c" ra && nd6 "$c" redirect
wait_for 5 eval '[ "$(nd_drops)" -ge $((drops + 2)) ]'
tap_ok $? "c's router advertisement and redirect are dropped and counted ($drops -> $(nd_drops))"
tap_is "$(ra_route "$a")" "" "a has no route through c"

# --- a refused batch changes nothing ----------------------------------------------------
before=$(H nft -j list table inet zonewall)
run_cmd H env ZONEWALL_TEST_BAD_ELEMENT=1 "$ZONEWALL" apply "$tmp/monitor.json" "${opts[@]}"
tap_is "$rc" 1 "a batch with a bad element is refused"
tap_ok "$(grep -q 'kernel refused test: a deliberately bad element \[add element 198.18.0.1 of set src4\]' <<<"$err"; echo $?)" \
	"the error names the element at fault: $err"
tap_is "$(H nft -j list table inet zonewall)" "$before" "the previous ruleset is byte-identical (nft -j list table)"
tap_is "$(talk "$b" 10.77.0.2 80)" "" "and still enforces"

# --- --cut-established -------------------------------------------------------------------
ip netns exec "$b" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 81)); s.listen(4)
while True:
    c, _ = s.accept()
    while True:
        d = c.recv(64)
        if not d: break
        c.sendall(d)' >/dev/null 2>&1 &
on_cleanup "kill $!"
wait_for 5 sh -c "ip netns exec $b ss -ltn | grep -q ':81 '"
ZW apply "$tmp/enforce81.json" "${opts[@]}" >/dev/null
mkfifo "$tmp/fifo"
exec 7<>"$tmp/fifo"
ip netns exec "$a" python3 -c '
import socket, sys, time
s = socket.create_connection(("10.77.0.3", 81), timeout=2)
s.sendall(b"x"); s.recv(8)
print("up", flush=True)
sys.stdin.readline()
s.settimeout(2)
try:
    s.sendall(b"y"); print("alive" if s.recv(8) else "closed", flush=True)
except OSError:
    print("cut", flush=True)' <"$tmp/fifo" >"$tmp/long.out" 2>&1 &
long=$!
wait_for 5 grep -q up "$tmp/long.out"
tap_is "$(cat "$tmp/long.out")" up "a long-lived a->b tcp/81 connection is up"
run_cmd ZW apply "$tmp/enforce.json" "${opts[@]}" --cut-established
tap_ok "$(grep -q '^cut 1 of' <<<"$out"; echo $?)" "apply --cut-established: $(tail -1 <<<"$out")"
echo go >&7
wait "$long"
tap_is "$(tail -1 "$tmp/long.out")" cut "the connection the new policy refuses no longer passes"
exec 7>&-

# --- zone -> zone rules: member and port sets, no address tuples --------------------------
jq '.allow = [{ "from": "zone:web", "to": "zone:app", "proto": "tcp", "port": 80 }]' \
	"$tmp/enforce.json" >"$tmp/zones.json"
run_cmd ZW apply "$tmp/zones.json" "${opts[@]}"
tap_is "$rc/$err" "0/" "apply a zone:web -> zone:app policy"
tap_is "$(talk "$a" 10.77.0.3 80)" pong "zone rule: a (web) -> b (app) tcp/80 connects"
serve "$b" 82 || tap_bail "server on b:82 did not start"
tap_is "$(talk "$a" 10.77.0.3 82)" "" "zone rule: tcp/82 is not in the pair's ports"
tap_is "$(talk "$b" 10.77.0.2 80)" "" "zone rule: app -> web has no rule"
tap_is "$(talk "$c" 10.77.0.3 80)" "" "zone rule: c (db) -> b refused"
setjq='[.nftables[] | .set? | select(.) | .elem // [] | .[] | if type == "object" then .concat // .prefix // . else . end] | tostring'
tap_is "$(H nft -j list set inet zonewall zm4_web | jq -r "$setjq")" '["10.77.0.2"]' \
	"the kernel's zm4_web holds web's host, a"
tap_is "$(H nft -j list set inet zonewall zm4_app | jq -r "$setjq")" '["10.77.0.3"]' \
	"zm4_app holds b"
tap_is "$(H nft -j list set inet zonewall allow4 | jq -r "$setjq")" '[]' \
	"and the allowlist holds no tuple for the zone rule"
jq '.allow += [{ "from": "zone:web", "to": "zone:app", "proto": "tcp", "port": "82-83" }]' \
	"$tmp/zones.json" >"$tmp/zones82.json"
ZW apply "$tmp/zones82.json" "${opts[@]}" >/dev/null
tap_is "$(talk "$a" 10.77.0.3 82)" pong "... and passes once a rule names it (control)"
ZW apply "$tmp/enforce.json" "${opts[@]}" >/dev/null

# --- IPv6: the same borders, the same anti-spoofing ---------------------------------------
H ip addr add fd77::1/64 dev br0 nodad
for ni in a:2 b:3 c:4; do ip -n "${NS_TAG}${ni%:*}" addr add "fd77::${ni#*:}/64" dev eth0 nodad; done
jq '.entries |= map(if .name == "gateway" then .cidrs += ["fd77::1/128"]
	elif .name == "internet" then . elif .name == "a" then .cidrs += ["fd77::2/128"]
	elif .name == "b" then .cidrs += ["fd77::3/128"] else .cidrs += ["fd77::4/128"] end)' \
	"$tmp/inventory.json" >"$tmp/inventory6.json"
opts6=(--runtime none --inventory "$tmp/inventory6.json" --quiet)
run_cmd ZW apply "$tmp/enforce.json" "${opts6[@]}"
tap_is "$rc/$err" "0/" "apply with the hosts' IPv6 addresses"
# the witness for the link-local ones: what each namespace's kernel chose
ll_of() { ip -n "$1" -6 -br addr show dev eth0 scope link | awk '{print $3}' | cut -d/ -f1; }
tap_is "$(H nft -j list set bridge zonewall bound6 | jq -r "$setjq")" \
	"[[\"vetha\",\"02:77:00:00:00:02\",\"fd77::2\"],[\"vetha\",\"02:77:00:00:00:02\",\"$(ll_of "$a")\"],[\"vethb\",\"02:77:00:00:00:03\",\"fd77::3\"],[\"vethb\",\"02:77:00:00:00:03\",\"$(ll_of "$b")\"],[\"vethc\",\"02:77:00:00:00:04\",\"fd77::4\"],[\"vethc\",\"02:77:00:00:00:04\",\"$(ll_of "$c")\"]]" \
	"each port is bound to its host's IPv6 address and the link-local address its kernel chose"
serve "$b" 80 6 || tap_bail "IPv6 server on b did not start"
tap_is "$(talk "$a" fd77::3 80)" pong6 "IPv6: a->b tcp/80 connects (neighbour discovery passes both tables)"
tap_is "$(talk "$c" fd77::3 80)" "" "IPv6: c (db) -> b is refused"
tap_is "$(talk "$b" fd77::2 80)" "" "IPv6: b -> a is refused (the responder cannot open back)"
drops6=$(H nft -j list counter bridge zonewall c_spoofed.ipv6 | jq '.nftables[].counter? | .packets // empty')
ip -n "$c" addr add fd77::2/128 dev eth0 nodad
tap_is "$(talk "$c" fd77::3 80 fd77::2)" "" "IPv6: c sending from a's address is dropped"
tap_ok "$([ "$(H nft -j list counter bridge zonewall c_spoofed.ipv6 | jq '.nftables[].counter? | .packets // empty')" -gt "$drops6" ]; echo $?)" \
	"IPv6: the spoofed source is counted"
ip -n "$c" addr del fd77::2/128 dev eth0
# c claims b's IPv6 address in a neighbour advertisement (IPv6's ARP spoofing)
lladdr6_of() { ip -n "$a" -6 neigh show "$1" dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
ip -n "$a" neigh replace fd77::3 lladdr 02:77:00:00:00:03 dev eth0 nud stale
ip -n "$a" neigh replace fd77::4 lladdr 02:77:00:00:00:99 dev eth0 nud stale
nd_before=$(nd_drops)
nd6 "$c" na fd77::3 && nd6 "$c" na fd77::4
wait_for 5 eval '[ "$(lladdr6_of fd77::4)" = 02:77:00:00:00:04 ]'
tap_ok $? "IPv6: c's advertisement of its own address reaches a (control)"
tap_is "$(lladdr6_of fd77::3)" 02:77:00:00:00:03 "IPv6: c's advertisement claiming b's address is dropped: a keeps b's MAC"
tap_is "$(($(nd_drops) - nd_before))" 1 "IPv6: and counted"
tap_is "$(H nft -j list set bridge zonewall nd6 | jq -r '[.nftables[].set? | select(.) | .elem[].concat[2]] | tostring')" \
	'["0xfd770000000000000000000000000002","0xfe80000000000000007700fffe000002","0xfd770000000000000000000000000003","0xfe80000000000000007700fffe000003","0xfd770000000000000000000000000004","0xfe80000000000000007700fffe000004"]' \
	"nd6 holds the ports' IPv6 addresses as the raw target the rule reads"

# --- what the kernel path says is true: br_netfilter's switches, one at a time ---------------
# (this namespace's own sysctls: the host's are untouched)
H sysctl -qw net.bridge.bridge-nf-call-ip6tables=0
run_cmd ZW apply "$tmp/enforce.json" "${opts6[@]}"
tap_ok "$(grep -q 'warning: .*IPv6 traffic between containers on one bridge is NOT enforced (bridge-nf-call-ip6tables is 0)' <<<"$err"; echo $?)" \
	"bridge-nf-call-ip6tables 0: apply warns that same-bridge IPv6 is not enforced"
tap_is "$(ZW status --json | jq -c '.kernel | [.br_netfilter, .br_netfilter_ipv6, .same_bridge_enforced]')" \
	'[true,false,false]' "status says so"
tap_is "$(talk "$c" fd77::3 80)" pong6 "and it is true: c->b over IPv6 passes"
tap_is "$(talk "$c" 10.77.0.3 80)" "" "while c->b over IPv4 stays refused, as it says"
# the bridge's own flag turns the hook on for br0 alone: then it is enforced, and said so
H ip link set br0 type bridge nf_call_ip6tables 1
run_cmd ZW apply "$tmp/enforce.json" "${opts6[@]}"
tap_is "$err" "" "br0's own nf_call_ip6tables on: apply warns of nothing"
tap_is "$(ZW status --json | jq -c '.kernel | [.br_netfilter_ipv6, .same_bridge_enforced]')" \
	'[true,true]' "status says same-bridge traffic is enforced"
tap_is "$(talk "$c" fd77::3 80)" "" "and it is true: c->b over IPv6 is refused"
H ip link set br0 type bridge nf_call_ip6tables 0
H sysctl -qw net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=0
run_cmd ZW apply "$tmp/enforce.json" "${opts6[@]}"
tap_ok "$(grep -q 'warning: .*IPv4 traffic between containers on one bridge is NOT enforced (bridge-nf-call-iptables is 0)' <<<"$err"; echo $?)" \
	"bridge-nf-call-iptables 0: apply warns that same-bridge IPv4 is not enforced"
tap_is "$(talk "$c" 10.77.0.3 80)" pong "and it is true: c->b over IPv4 passes"
tap_is "$(talk "$c" fd77::3 80)" "" "IPv6 on the bridge stays refused"
tap_is "$(talk "$a" 10.99.0.2 80)" "" "and routed traffic too: web's deny border to the internet holds"
H sysctl -qw net.bridge.bridge-nf-call-iptables=1
run_cmd ZW apply "$tmp/enforce.json" "${opts[@]}"
tap_is "$err" "" "both switches on: apply warns of nothing"
tap_is "$(ZW status --json | jq -c '.kernel | [.br_netfilter, .br_netfilter_ipv6, .same_bridge_enforced]')" \
	'[true,true,true]' "and status says same-bridge traffic is enforced"
tap_is "$(talk "$c" 10.77.0.3 80)" "" "c->b over IPv4 is refused again"

# --- monitor ------------------------------------------------------------------------------
run_cmd ZW apply "$tmp/monitor.json" "${opts[@]}"
tap_is "$rc" 0 "apply the monitor policy"
tap_is "$(H nft -j list counters | jq -r '.nftables[].counter? | select(.table == "zonewall") | .family + " " + .name' | names)" \
	"$(ZW compile "$tmp/monitor.json" "${opts[@]}" | awk '/^table/ { f = $2 } /^\tcounter / { print f " " $2 }' | names)" \
	"monitor: the enforce policy's denied counters are gone, its would-deny counters are there"
H "$ZONEWALL" denied --json --count 1 --duration 10 "${opts[@]}" >"$tmp/denied.json" 2>"$tmp/denied.err" &
dpid=$!
wait_for 5 grep -q listening "$tmp/denied.err"
tap_is "$(talk "$b" 10.77.0.2 80)" pong "monitor: b->a would be refused but passes"
tap_is "$(talk "$a" 10.99.0.2 80)" pong "monitor: even the deny border passes"
wait $dpid
[ -s "$tmp/denied.json" ] || tap_diag "denied: $(cat "$tmp/denied.err")"
tap_is "$(jq -c '.[0] | [.verdict, .from, .from_zone, .to, .to_zone, .proto, .dport]' "$tmp/denied.json")" \
	'["would-deny","b","app","a","web","tcp",80]' "denied shows the would-deny flow with identities and zones"
tap_ok "$(ZW status --json | jq -e '.pairs[] | select(.from == "app" and .to == "web") | .would_deny > 0' >/dev/null; echo $?)" \
	"status: app>web would-deny counted"
# monitor never drops: what the bridge table holds a port to is counted and passed
passed_frames() { H nft -j list counter bridge zonewall c_passed.frame | jq '.nftables[].counter? | .packets // empty'; }
tap_is "$(H nft -j list set bridge zonewall watched | jq -r "$setjq")" '["vetha","vethb","vethc"]' \
	"monitor: every port is watched, none enforced"
before=$(passed_frames)
tap_is "$(catch_expect "$b" "vid0:app vid0:wire " c_to_b)" "vid0:app vid0:wire " \
	"monitor: c's VLAN-id-0 datagram reaches b (monitor drops nothing)"
passed=$(($(passed_frames) - before)) sent=$(grep -c vid0 "$tmp/sent")
tap_ok "$([ "$passed" -ge 1 ] && [ "$passed" -le "$sent" ]; echo $?)" \
	"and is counted as passed ($passed of the $sent sent)"
tap_ok "$(ZW status --json | jq -e '.totals.spoofed_passed > 0' >/dev/null; echo $?)" "status: spoofed frames passed"
tap_is "$(catch_expect "$a" "bc:app bc:wire " group_kind "$b")" "bc:app bc:wire " "monitor: b's broadcast reaches a"
tap_ok "$(ZW status --json | jq -e '.totals.group_passed > 0 and .totals.group_dropped > 0' >/dev/null; echo $?)" \
	"status: broadcast/multicast passed (monitor) and dropped (enforce, earlier) counted"

# --- the table is not bound to a process --------------------------------------------------
H "$ZONEWALL" denied --follow "${opts[@]}" >/dev/null 2>&1 &
kill -9 $! 2>/dev/null
wait $! 2>/dev/null
H nft list table inet zonewall >/dev/null 2>&1
tap_is $? 0 "a killed zonewall leaves the table in place"

# --- uninstall ---------------------------------------------------------------------------------
run_cmd ZW uninstall
tap_is "$rc" 0 "uninstall"
H nft list table inet zonewall >/dev/null 2>&1
tap_is $? 1 "inet zonewall is gone"
H nft list table bridge zonewall >/dev/null 2>&1
tap_is $? 1 "bridge zonewall is gone"
tap_is "$(H nft -j list table inet neighbour)" "$neighbour" "the neighbour's table is intact"
run_cmd ZW uninstall
tap_is "$rc" 0 "uninstall with nothing installed succeeds"
tap_done
