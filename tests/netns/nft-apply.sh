#!/bin/bash
# Enforcement on a real kernel (src/nft/): inside a private namespace with a
# bridge and three client namespaces (a 10.77.0.2 zone web, b .3 zone app,
# c .4 zone db), a ruleset model allowing only a->b tcp/80 is applied over
# netlink by tests/netns/nft-driver and witnessed with nft, jq, nc and ping.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
for t in nft jq nc ping; do command -v $t >/dev/null || tap_skip_all "needs $t"; done

drv=$top_builddir/tests/netns/nft-driver
fx=$top_srcdir/tests/golden/ruleset
[ -x "$drv" ] || tap_bail "build tests/netns/nft-driver first"
host="${NS_TAG}h" a="${NS_TAG}a" b="${NS_TAG}b" c="${NS_TAG}c" scratch="${NS_TAG}s"
ns_add "$host" && ns_add "$a" && ns_add "$b" && ns_add "$c" && ns_add "$scratch" ||
	tap_bail "cannot create namespaces"
tmp=$(mktemp -d)
on_cleanup "rm -rf '$tmp'"

H() { ip netns exec "$host" "$@"; }
H ip link add br0 type bridge && H ip link set br0 up && H ip addr add 10.77.0.1/24 dev br0 ||
	tap_bail "cannot build the bridge"
for ni in a:2 b:3 c:4; do
	n=${ni%:*} i=${ni#*:}
	ns=${NS_TAG}$n
	H ip link add veth$n type veth peer name eth0 netns "$ns" &&
		H ip link set veth$n master br0 up &&
		ip -n "$ns" link set eth0 address 02:77:00:00:00:0$i &&
		ip -n "$ns" addr add 10.77.0.$i/24 dev eth0 && ip -n "$ns" link set eth0 up ||
		tap_bail "cannot plug $n"
	wait_for 5 link_is_up "$host" veth$n || tap_bail "veth$n did not come up"
done
[ "$(H cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: bridged traffic does not reach the inet forward hook"

# handles and counter values are not part of what was installed
nojq='walk(if type == "object" then del(.handle, .packets, .bytes) else . end)'
listing() { H nft -j list table "$@" | jq -S "$nojq"; }

# Someone else's table, which must survive everything we do.
H nft -f - <<'EOF' || tap_bail "cannot create the neighbour table"
table inet neighbour {
	set keep { type ipv4_addr; elements = { 192.0.2.1 } }
	chain nbfwd { type filter hook forward priority 10; policy accept; ip saddr @keep accept; }
}
EOF
neighbour=$(H nft -j list table inet neighbour)

# --- apply, and text and netlink agree ---------------------------------------
run_cmd H "$drv" apply "$fx/zonewall-enforce.json"
tap_is "$rc/$err" "0/" "apply: the enforce model lands"
"$drv" render --replace "$fx/zonewall-enforce.json" >"$tmp/enforce.nft"
ip netns exec "$scratch" nft -f "$tmp/enforce.nft"
tap_ok $? "nft -f accepts the rendered text of the same model"
for t in "inet zonewall" "bridge zonewall"; do
	tap_is "$(listing $t)" "$(ip netns exec "$scratch" nft -j list table $t | jq -S "$nojq")" \
		"$t: netlink apply and nft -f of the rendered text list the same (nft -j)"
	tap_is "$(diff <(nft_bytecode "$host" $t) <(nft_bytecode "$scratch" $t) | head -20)" "" \
		"$t: and hold the same bytecode ($(nft_bytecode "$host" $t | grep -c '^  \[') expressions)"
done
tap_is "$(H nft -j list table inet zonewall | jq '[.nftables[] | .table? | select(.) | .flags // []] | flatten | index("owner")')" \
	null "the table has no owner flag (outlives the process)"

# --- traffic ---------------------------------------------------------------------

serve "$a" 80 && serve "$b" 80 && serve "$c" 80 || tap_bail "servers did not start"
tap_is "$(talk "$a" 10.77.0.3 80)" pong "a->b tcp/80 connects and the reply comes back (stateful)"
tap_is "$(talk "$b" 10.77.0.2 80)" "" "b->a tcp/80 refused: the responder cannot open a connection back"
tap_is "$(talk "$a" 10.77.0.4 80)" "" "a->c tcp/80 refused (not in the allowlist)"
ip netns exec "$a" ping -c1 -W1 10.77.0.3 >/dev/null 2>&1
tap_is $? 1 "ping a->b refused"
ip netns exec "$c" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1
tap_is $? 1 "c->host refused by the input chain"
ip netns exec "$a" ping -c1 -W1 10.77.0.1 >/dev/null 2>&1
tap_is $? 0 "a->host allowed"

st=$(H "$drv" status inet zonewall)
tap_ok "$(jq -e '.rules[] | select(.comment == "web->app allowed") | .packets > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: the web->app allow counter counted the connection"
tap_ok "$(jq -e '.rules[] | select(.comment == "enforce: refused from app") | .packets > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: the app refusal counter counted b->a"
tap_is "$(jq -c '.sets | [.allow4, .src4]' <<<"$st")" "[1,6]" "status: element counts"

# Anti-spoofing: c borrows a's address, which the allowlist would let through.
ip -n "$c" addr add 10.77.0.2/32 dev eth0 2>/dev/null
tap_is "$(talk "$c" 10.77.0.3 80 10.77.0.2)" "" "c sending from a's address is dropped"
tap_ok "$(H "$drv" status bridge zonewall | jq -e '.rules[] | select(.comment == "spoofed IPv4 source") | .packets > 0' >/dev/null; echo $?)" \
	"the bridge anti-spoofing counter saw it"
ip -n "$c" addr del 10.77.0.2/32 dev eth0
# c's ARP from the borrowed address poisoned b's cache (ARP is not guarded yet)
for n in "$a" "$b"; do ip -n "$n" neigh flush all; done

# --- a failing batch changes nothing -----------------------------------------------
before=$(H nft -j list table inet zonewall)
jq '.tables[0].sets[2].elements += [{"key": ["10.99.0.1"], "verdict": "jump no_such_chain",
	"origin": "policy $.zones[7] (deliberately bad)"}]' "$fx/zonewall-monitor.json" >"$tmp/bad.json"
run_cmd H "$drv" apply "$tmp/bad.json"
tap_is "$rc" 1 "a batch with a bad element is refused"
tap_is "$err" "kernel refused policy \$.zones[7] (deliberately bad) [add element 10.99.0.1 of set src4]: No such file or directory" \
	"the error names the element and its origin"
tap_is "$(H nft -j list table inet zonewall)" "$before" "the previous ruleset is byte-identical (nft -j list table)"
tap_is "$(talk "$a" 10.77.0.3 80)" pong "and still enforces"

# --- incremental elements ---------------------------------------------------------
cat >"$tmp/upd.json" <<'EOF'
{"tables": [{"family": "inet", "name": "zonewall", "sets": [
 {"name": "allow4", "type": ["ipv4_addr", "ipv4_addr", "inet_proto", "inet_service"],
  "elements": [{"key": ["10.77.0.2", "10.77.0.3", "tcp", "8080"], "origin": "container a started"},
               {"key": ["10.77.0.2", "10.77.0.3", "udp", "53"], "origin": "container a started"}]}]}]}
EOF
run_cmd H "$drv" update inet zonewall "$tmp/upd.json" add
tap_is "$rc" 0 "incremental add of two elements"
tap_is "$(H "$drv" status inet zonewall | jq .sets.allow4)" 3 "the set holds three"
run_cmd H "$drv" update inet zonewall "$tmp/upd.json" del
tap_is "$(H "$drv" status inet zonewall | jq .sets.allow4)" 1 "incremental delete: back to one"
run_cmd H "$drv" update inet zonewall "$tmp/upd.json" del
tap_is "$err" "kernel refused container a started [delete element 10.77.0.2 . 10.77.0.3 . tcp . 8080 of set allow4]: No such file or directory" \
	"deleting an absent element names it"

# --- monitor ------------------------------------------------------------------------
run_cmd H "$drv" apply "$fx/zonewall-monitor.json"
tap_is "$rc" 0 "replace with the monitor model"
tap_is "$(talk "$b" 10.77.0.2 80)" pong "monitor: b->a would be refused but passes"
tap_ok "$(H "$drv" status inet zonewall | jq -e '.rules[] | select(.comment == "monitor: refused from app") | .packets > 0' >/dev/null; echo $?)" \
	"monitor: the would-deny counter counted it"

# --- uninstall ------------------------------------------------------------------------
run_cmd H "$drv" uninstall "$fx/zonewall-monitor.json"
tap_is "$rc" 0 "uninstall"
H nft list table inet zonewall >/dev/null 2>&1
tap_is $? 1 "inet zonewall is gone"
H nft list table bridge zonewall >/dev/null 2>&1
tap_is $? 1 "bridge zonewall is gone"
tap_is "$(H nft -j list table inet neighbour)" "$neighbour" "the neighbour's table is intact"
run_cmd H "$drv" uninstall "$fx/zonewall-monitor.json"
tap_is "$rc" 0 "uninstall when nothing is installed succeeds"

run_cmd H "$drv" probe
tap_ok "$(grep -q '^br_netfilter=1 conntrack_bridge=[01]' <<<"$out"; echo $?)" "probe: $out"
tap_is "$(H nft list tables | grep -c zwprobe)" 0 "the probe leaves no table behind"

tap_done
