#!/bin/bash
# zonewall learn --runtime against a real podman (its own API service,
# network and containers): identities and zones come from the containers'
# labels (zonewall.identity, compose, image) in the proposal, and a
# container started while learning (and removed before learning ends) is
# resolved through the event stream, not left unknown.
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
rt_podman_up || tap_skip_all "podman cannot run here: $RT_WHY"
net=${RT_TAG}net
rt_podman_three "$net" || tap_skip_all "podman cannot run containers here"
br=$("$PODMAN" network inspect "$net" | jq -r '.[0].network_interface // empty')
[ -n "$br" ] && ip link show dev "$br" >/dev/null 2>&1 || tap_skip_all "no bridge for network $net"

ip_of() { rt_ipv4_of "$PODMAN" "$1"; }
web=$(ip_of "$RT_TAG-web") app=$(ip_of "$RT_TAG-app") db=$(ip_of "$RT_TAG-db-1")
out=$RT_DIR/learn.out err=$RT_DIR/learn.err prop=$RT_DIR/p.json

"$ZONEWALL" learn -i "$br" --runtime "podman://$PODMAN_SOCK" --run-id pod-1 -o "$prop" \
	>"$out" 2>"$err" &
LPID=$!
RT_PIDS+=("$LPID")
wait_for 20 grep -q 'zonewall learn: ready' "$err"
tap_ok $? "learn captures on $br with the podman runtime"

# fetch CONTAINER ADDR: one HTTP GET from inside CONTAINER (busybox wget
# crashes in this image; nc speaks HTTP/1.0 well enough).  $0 is the address.
GET_SH='printf "GET / HTTP/1.0\r\n\r\n" | timeout 3 nc -w 2 "$0" 80 | grep -q hello-from-bb'
fetch() {
	"$PODMAN" exec "$1" sh -c "$GET_SH" "$2" 2>/dev/null && return 0
	# Another test's firewall on this shared host is the usual suspect.
	tap_diag "GET $2 from $1 failed; nft tables now: $(nft list tables 2>&1 | tr '\n' ' ')"
	return 1
}
fetch "$RT_TAG-web" "$app"
tap_ok $? "web -> app over HTTP"
fetch "$RT_TAG-app" "$db"
tap_ok $? "app -> db over HTTP"
# Started while learning, gone before learning ends: only the event stream
# (and the index's address history) can name it.  It lives 5 s: the runtime
# must still report its address when the mapper inspects it after the start
# event (podman delivers events 100-300 ms late; under ASan on a loaded
# machine the inspect took over 2 s).
"$PODMAN" run --rm --init --name "$RT_TAG-late" --network "$net" --label zonewall.identity=late \
	--label zonewall.zone=app "$RT_IMAGE" sh -c "$GET_SH"' && r=0 || r=1; sleep 5; exit $r' \
	"$web" 2>/dev/null
tap_ok $? "a container started during learning fetches from web, then is removed"
# Let the event stream deliver (podman's events file lags 100-300 ms).
read -r -t 1 <> <(:) 2>/dev/null || true
kill -TERM "$LPID"
wait "$LPID"
tap_is "$?" 0 "learn exits 0 after SIGTERM"
[ -s "$err" ] && tap_diag "$(cat "$err")"

edges=$(jq -r '.edges[] | select(.proto == "tcp" and .port == 80) |
	"\(.from) -> \(.to) \(.from_zone // "-")->\(.to_zone // "-")"' "$prop" | LC_ALL=C sort)
tap_is "$edges" "frontend -> shop/api web->app
late -> frontend app->web
shop/api -> localhost/zwbb app->data" \
	"identities from labels (zonewall.identity, compose, image) and zones from zonewall.zone"
tap_is "$(jq -r '[.edges[] | .from, .to | select(startswith("unknown:"))] |
	map(select(. == "unknown:'"$web"'" or . == "unknown:'"$app"'" or . == "unknown:'"$db"'")) | length' "$prop")" 0 \
	"no container address was left unknown"
tap_ok "$(grep -q 'runtime: podman' "$out"; echo $?)" "learn says it used podman"
tap_done
