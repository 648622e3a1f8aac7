#!/bin/bash
# Enforcement on real podman containers (runtime tier, root): three labelled
# containers (identities frontend, shop/api, localhost/zwbb; zones web, app,
# data) on a private podman network; the policy allows frontend -> shop/api
# tcp/80 only and lets web, not app, reach "outside" (a namespace made here,
# routed beyond the host through podman's own masquerading).
#
# zonewall runs in the host's namespace here, so it is limited with --bridge
# to this test's podman bridge: nobody else's containers are dispatched.
# Podman's own rules (netavark/CNI tables, port publishing, masquerade) and
# traffic must keep working beside ours, and be intact after uninstall.
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
for t in nft ip; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: same-bridge traffic does not reach the inet forward hook"
if nft list table inet zonewall >/dev/null 2>&1; then
	tap_skip_all "this host already has a table inet zonewall (not ours to replace)"
fi
rt_podman_up || tap_skip_all "$RT_WHY"
net="${RT_TAG}net"
rt_podman_three "$net" || tap_bail "cannot start the containers"
br=$("$PODMAN" network inspect "$net" | jq -r '.[0].network_interface // .[0].plugins[0].bridge // empty')
[ -n "$br" ] || tap_bail "cannot tell the bridge of $net"
uri="podman://$PODMAN_SOCK"
P() { "$PODMAN" "$@"; }
ip_of() { P inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$net\"].IPAddress"; }
web="$RT_TAG-web" app="$RT_TAG-app" db="$RT_TAG-db-1"
web_ip=$(ip_of "$web") app_ip=$(ip_of "$app") db_ip=$(ip_of "$db")
# get CONTAINER ADDR: the page busybox httpd serves there (busybox wget
# crashes in this image; nc speaks HTTP/1.0 well enough)
get() { P exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -w 2 $2 80" 2>/dev/null | tail -1; }

# "outside": a namespace beyond the host, 198.18.$n.2, reached through podman's NAT
n=$(( $$ % 200 + 20 ))
outside="${RT_TAG}out"
rt_outside_up "$outside" "$n" "" "${RT_TAG}o" || tap_bail "cannot make the outside namespace"

rt_enforce_files "$n"
opts=(--runtime "$uri" --inventory "$RT_DIR/inventory.json" --bridge "$br" --quiet)

# the host's other tables (podman's netavark/CNI ones among them): names only,
# since their counters move; the traffic checks show they still work
theirs() { nft list tables | grep -v ' zonewall$' | sort; }
before=$(theirs)
tap_is "$(get "$web" "$app_ip")" hello-from-bb "before: web reaches app"
tap_is "$(get "$app" "$web_ip")" hello-from-bb "before: app reaches web"
tap_is "$(get "$app" "198.18.$n.2")" outside "before: app reaches outside through podman's masquerade"

run_cmd "$ZONEWALL" compile "$RT_DIR/policy.json" "${opts[@]}"
tap_ok "$(grep -q "\"[^\"]*\" . [0-9a-f:]* . $web_ip" <<<"$out"; echo $?)" \
	"compile binds web's runtime address and MAC to its veth"
# Another user's container on another podman network: --bridge keeps it out
# of everything we install (its bridge, its address, its port).
"$PODMAN" network create "${net}x" >/dev/null && rt_on_cleanup "'$PODMAN' network rm -f '${net}x'"
"$PODMAN" run -d --init --name "$RT_TAG-other" --network "${net}x" "$RT_IMAGE" sleep 600 >/dev/null &&
	rt_on_cleanup "'$PODMAN' rm -f -t 0 '$RT_TAG-other'"
obr=$("$PODMAN" network inspect "${net}x" | jq -r '.[0].network_interface // empty')
oip=$("$PODMAN" inspect "$RT_TAG-other" | jq -r '.[0].NetworkSettings.Networks[].IPAddress')
run_cmd "$ZONEWALL" compile "$RT_DIR/policy.json" "${opts[@]}"
tap_ok "$( [ -n "$obr" ] && [ -n "$oip" ] && ! grep -qF -e "\"$obr\"" -e "$oip" <<<"$out"; echo $?)" \
	"--bridge $br leaves another network's bridge ($obr) and container ($oip) alone"
run_cmd "$ZONEWALL" apply "$RT_DIR/policy.json" "${opts[@]}"
tap_is "$rc" 0 "apply on podman containers"
[ "$rc" = 0 ] && rt_on_cleanup "'$ZONEWALL' uninstall"
[ -z "$err" ] || tap_diag "$err"

tap_is "$(get "$web" "$app_ip")" hello-from-bb "frontend -> shop/api tcp/80 passes"
tap_is "$(get "$app" "$web_ip")" "" "shop/api -> frontend refused"
tap_is "$(get "$web" "$db_ip")" "" "frontend -> db refused"
P exec --privileged "$web" ping -c1 -W1 "$app_ip" >/dev/null 2>&1
tap_is $? 1 "ping frontend -> shop/api refused"
tap_is "$(get "$web" "198.18.$n.2")" outside "web -> outside passes (allow border), masqueraded by podman"
tap_is "$(get "$app" "198.18.$n.2")" "" "app -> outside refused (deny border)"
st=$("$ZONEWALL" status --json)
tap_ok "$(jq -e '.pairs[] | select(.from == "web" and .to == "app") | .accepted > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: web>app accepted counted"
tap_ok "$(jq -e '.pairs[] | select(.from == "app" and .to == "web") | .denied > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: app>web denied counted"
tap_is "$(theirs)" "$before" "podman's own tables are untouched while ours is in place"

run_cmd "$ZONEWALL" uninstall
tap_is "$rc" 0 "uninstall"
tap_is "$(theirs)" "$before" "podman's own tables are intact after uninstall"
tap_is "$(get "$app" "$web_ip")" hello-from-bb "after uninstall: app reaches web again"
tap_is "$(get "$app" "198.18.$n.2")" outside "after uninstall: podman's masquerade still works"
tap_done
