#!/bin/bash
# Live learning into a proposal: namespaces web (A), api (B), db (C) and an
# address nobody names (D) on a bridge inside a private "host" namespace H,
# where zonewall runs (ip netns exec), with an inventory naming A, B and C.
# `zonewall learn -i ... --duration` while nc and ping run; it must stop by
# itself, and review must show exactly the expected identity edges, with
# zones and the unknown address kept.  A second run with --auto and -o on
# the same file merges: repeated edges count two runs.
. "$(dirname "$0")/../lib/netns.sh"

ns_require
for t in nc ping ss jq; do
	command -v $t >/dev/null || tap_skip_all "needs $t"
done
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"

H=${NS_TAG}h
tmp=$(mktemp -d)
on_cleanup "rm -rf '$tmp'"
ZPID=

hostns_bridge "$H" || tap_bail "cannot create namespace $H"

plug() { hostns_plug "$H" "$1" 10.78.0 "$2"; }	# ${NS_TAG}X, eth0 = 10.78.0.N
for x in "A 1" "B 2" "C 3" "D 4"; do
	plug $x || tap_bail "cannot plug namespace $x"
done
for x in A B C D; do
	wait_for 10 link_is_up "${NS_TAG}$x" eth0 || tap_bail "eth0 in $x never came up"
done

cat >"$tmp/inventory.json" <<'EOF'
{ "version": 1, "entries": [
  { "name": "web", "zone": "web", "cidrs": ["10.78.0.1"] },
  { "name": "api", "zone": "app", "cidrs": ["10.78.0.2"] },
  { "name": "db", "zone": "data", "cidrs": ["10.78.0.3"] } ] }
EOF

in_ns() { local ns=${NS_TAG}$1; shift; ip netns exec "$ns" "$@"; }
listening() { in_ns "$1" ss -ln"$2" | grep -q ":$3 "; }

start_learn() {	# start_learn ARGS...: learn in H; wait until it captures
	ip netns exec "$H" "$ZONEWALL" learn --runtime none --inventory "$tmp/inventory.json" \
		-o "$tmp/p.json" "$@" >"$tmp/out" 2>"$tmp/err" &
	ZPID=$!
	on_cleanup "kill $ZPID 2>/dev/null"
	wait_for 10 grep -q 'zonewall learn: ready' "$tmp/err"
}

# traffic: web -> api tcp/8080, api -> db tcp/5432, web -> db ping, D -> api udp/53
traffic() {
	ip netns exec "${NS_TAG}B" nc -l -p 8080 >/dev/null </dev/null &
	local p1=$!
	ip netns exec "${NS_TAG}C" nc -l -p 5432 >/dev/null </dev/null &
	local p2=$!
	ip netns exec "${NS_TAG}B" nc -u -l -p 53 >/dev/null </dev/null &
	local p3=$!
	on_cleanup "kill $p1 $p2 $p3 2>/dev/null"
	wait_for 10 listening B t 8080 && wait_for 10 listening C t 5432 &&
		wait_for 10 listening B u 53 || tap_diag "a listener is not ready"
	echo hello | in_ns A nc -N -w 2 10.78.0.2 8080
	echo hello | in_ns B nc -N -w 2 10.78.0.3 5432
	in_ns A ping -c 1 -W 2 10.78.0.3 >/dev/null
	echo hello | in_ns D nc -u -w 1 10.78.0.2 53
	kill "$p1" "$p2" "$p3" 2>/dev/null
	wait "$p1" "$p2" "$p3" 2>/dev/null
}

edges() {	# the proposal's edges as "from>to proto port zones runs", via review --json
	"$ZONEWALL" review "$tmp/p.json" --json |
		jq -r '.edges[] | "\(.from)>\(.to) \(.proto) \(.port // "-") \(.zones) \(.runs)"' |
		LC_ALL=C sort
}

# --- -i with --duration: stops by itself ------------------------------------------
start=$SECONDS
start_learn -i vA,vB -i vC,vD --duration 8 --run-id live-1
tap_ok $? "learn -i is capturing"
traffic
wait "$ZPID"
zrc=$?
ZPID=
tap_is "$zrc" 0 "learn exits 0 when --duration ends"
tap_ok "$([ $((SECONDS - start)) -lt 20 ]; echo $?)" "and did not run much past it ($((SECONDS - start)) s)"
tap_ok "$(grep -q "written to $tmp/p.json" "$tmp/out"; echo $?)" "it says what it wrote"
want='api>db tcp 5432 app->data 1
unknown:10.78.0.4>api udp 53 ?->app 1
web>api tcp 8080 web->app 1
web>db icmp - web->data 1'
tap_is "$(edges)" "$want" "review: each identity edge once, zones, the unknown address kept"

# --- --auto, -o onto the same proposal merges -------------------------------------------
start_learn --auto --run-id live-2
tap_ok $? "learn --auto is capturing"
traffic
kill -TERM "$ZPID"
wait "$ZPID"
zrc=$?
ZPID=
tap_is "$zrc" 0 "learn --auto exits 0 after SIGTERM"
tap_is "$(edges)" "$(sed 's/ 1$/ 2/' <<<"$want")" "the second run merged in: every edge seen in two runs"
# -i on both ports sees SYN and SYN+ACK twice (4), --auto once where they enter (2).
tap_is "$(jq '.edges[] | select(.from == "web" and .to == "api") | .packets' "$tmp/p.json")" 6 \
	"web -> api: the packets of both runs added up (4 + 2)"
# --- a hangup (an SSH session lost) writes what was learned, as SIGTERM does ------------
start_learn --auto --run-id live-3
tap_ok $? "learn --auto is capturing again"
traffic
kill -HUP "$ZPID"
wait "$ZPID"
zrc=$?
ZPID=
tap_is "$zrc" 0 "learn exits 0 after SIGHUP"
tap_ok "$(grep -q 'hangup (SIGHUP): capture stopped' "$tmp/err" &&
	grep -q "written to $tmp/p.json" "$tmp/out"; echo $?)" "it says it stopped and what it wrote"
tap_is "$(edges)" "$(sed 's/ 1$/ 3/' <<<"$want")" "the third run is in the proposal"
tap_done
