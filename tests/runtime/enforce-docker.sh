#!/bin/bash
# Enforcement beside Docker's own rules (runtime tier, root).  A private
# dockerd runs with its iptables rules ON, inside a network namespace made
# here: its NAT, its FORWARD chains and policy, docker0 and the user network's
# bridge all live in that namespace, so the host's firewall is never touched.
# zonewall runs in the same namespace.  Three labelled containers (web =
# identity frontend, app = shop/api, db) on a user network; web's and app's
# port 80 published on 8080 and 8081; "outside" is a namespace beyond
# dockerd's, 198.18.N.2.  Policy: frontend -> shop/api tcp/80, outside ->
# frontend tcp/80, web may reach the internet zone, app may not.
# Asserted: Docker's published ports (its DNAT), its masquerade and its
# container-to-container forwarding keep working for what the policy allows,
# our verdicts hold for the rest, and Docker's tables are byte-identical
# (counters aside) with ours in place and after uninstall.
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
for t in nft ip iptables; do command -v $t >/dev/null || tap_skip_all "needs $t"; done
[ -x "$DOCKERD" ] || tap_skip_all "dockerd not installed (docker.io)"
[ -x "$ZONEWALL" ] || tap_bail "build zonewall first"

dns="${RT_TAG}d" outside="${RT_TAG}o"
n=$(( $$ % 200 + 20 ))
ip netns add "$dns" && rt_on_cleanup "ip netns del '$dns'" && ip -n "$dns" link set lo up ||
	tap_bail "cannot make the namespace for dockerd"
[ "$(ip netns exec "$dns" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	tap_skip_all "br_netfilter is off: same-bridge traffic does not reach the inet forward hook"
rt_outside_up "$outside" "$n" "$dns" up0 || tap_bail "cannot make the outside namespace"

rt_docker_up_netns "$dns" || tap_skip_all "dockerd cannot run here: $RT_WHY"
D() { rt_docker "$@"; }
DN() { ip netns exec "$dns" "$@"; }
net="${RT_TAG}net" br="zwdk$n"
D network create -o "com.docker.network.bridge.name=$br" "$net" >/dev/null ||
	tap_bail "cannot create the docker network"
rt_on_cleanup "rt_docker network rm '$net'"
rt_on_cleanup "rt_docker rm -f '$RT_TAG-web' '$RT_TAG-app' '$RT_TAG-db-1'"
D run -d --init --name "$RT_TAG-web" --network "$net" -p 8080:80 --label zonewall.zone=web \
	--label zonewall.identity=frontend "$RT_IMAGE" httpd -f -p 80 -h /var/www >/dev/null &&
D run -d --init --name "$RT_TAG-app" --network "$net" -p 8081:80 --label zonewall.zone=app \
	--label com.docker.compose.project=shop --label com.docker.compose.service=api \
	"$RT_IMAGE" httpd -f -p 80 -h /var/www >/dev/null &&
D run -d --init --name "$RT_TAG-db-1" --network "$net" --label zonewall.zone=data \
	"$RT_IMAGE" httpd -f -p 80 -h /var/www >/dev/null || tap_bail "cannot start the containers"
ip_of() { D inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$net\"].IPAddress"; }
web="$RT_TAG-web" app="$RT_TAG-app" db="$RT_TAG-db-1"
web_ip=$(ip_of "$web") app_ip=$(ip_of "$app") db_ip=$(ip_of "$db")
get() { D exec "$1" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -w 2 $2 ${3:-80}" 2>/dev/null | tail -1; }
get_out() { ip netns exec "$outside" sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 3 nc -w 2 198.18.$n.1 $1" 2>/dev/null | tail -1; }

# and the published port: the outside may reach frontend
rt_enforce_files "$n" '{ "from": "outside", "to": "frontend", "proto": "tcp", "port": 80 }'
ZW() { DN "$ZONEWALL" "$@"; }
opts=(--runtime "docker://$DOCKER_SOCK" --inventory "$RT_DIR/inventory.json" --bridge "$br" --quiet)

# Docker's tables in its namespace (iptables-nft: ip nat, ip filter, ...),
# rule for rule, with the counters that move taken out
theirs() {
	local t
	DN nft list tables | grep -v ' zonewall$' | sort | while read -r _ fam name; do
		DN nft list table "$fam" "$name" | sed 's/counter packets [0-9]* bytes [0-9]*//'
	done
}
before=$(theirs)
tap_ok "$(grep -q 'DOCKER' <<<"$before"; echo $?)" "dockerd wrote its iptables rules (in its namespace)"
tap_is "$(get_out 8080)" hello-from-bb "before: outside reaches web through Docker's published port (DNAT)"
tap_is "$(get "$app" "$web_ip")" hello-from-bb "before: app reaches web"
tap_is "$(get "$app" "198.18.$n.2")" outside "before: app reaches outside through Docker's masquerade"

# A VLAN-tagged datagram (802.1Q, VLAN id 0) from db to app's UDP port: Docker's
# containers keep CAP_NET_RAW, br_netfilter hands tagged frames to no iptables or
# inet chain, and app's kernel strips a tag of id 0 and delivers the datagram.
# Sent and caught with tests/lib/frames.py run in the containers' network namespaces.
frames=$(dirname "$0")/../lib/frames.py
pid_of() { D inspect -f '{{.State.Pid}}' "$1"; }
mac_of() { D inspect "$1" | jq -r ".[0].NetworkSettings.Networks[\"$net\"].MacAddress"; }
# the catcher in app's namespace, until tag_stop prints what it caught: what
# must arrive is waited for (and sent again, three times at most), what must
# not is stopped once the bridge table has counted the frame
tag_start() {
	tag_out=$RT_DIR/catch
	nsenter -t "$(pid_of "$app")" -n python3 -u "$frames" catch eth0 60 vid0 >"$tag_out" 2>&1 &
	tag_pid=$!
	wait_for 5 grep -q ready "$tag_out"
}
tag_send() {	# db's datagram to app's UDP port in a VLAN-id-0 tag
	nsenter -t "$(pid_of "$db")" -n python3 "$frames" udp eth0 vid0 "$(mac_of "$app")" "$db_ip" "$app_ip"
}
tag_stop() { kill "$tag_pid"; wait "$tag_pid" 2>/dev/null; grep -v ready "$tag_out" | sort | tr '\n' ' '; }
tag_arrives() {	# tag_arrives: sent until app's socket and interface both saw it
	local i
	for i in 1 2 3; do
		tag_send
		wait_for 5 sh -c "grep -qx vid0:app '$tag_out' && grep -qx vid0:wire '$tag_out'" && break
	done
	tag_stop
}
frame_drops() { DN nft -j list counter bridge zonewall c_spoofed.frame | jq '.nftables[].counter? | .packets // empty'; }
caps=$(D exec "$db" grep CapEff /proc/self/status | awk '{print $2}')
tap_ok "$(( (0x${caps:-0} >> 13 & 1) == 1 ? 0 : 1 ))" "db has CAP_NET_RAW (Docker's default; CapEff $caps)"
tag_start
tap_is "$(tag_arrives)" "vid0:app vid0:wire " "before: db's VLAN-tagged datagram reaches app's socket past Docker's rules (control)"

run_cmd ZW apply "$RT_DIR/policy.json" "${opts[@]}"
tap_is "$rc" 0 "apply on docker containers, beside Docker's rules"
[ -z "$err" ] || tap_diag "$err"
tap_is "$(get "$web" "$app_ip")" hello-from-bb "frontend -> shop/api tcp/80 passes (Docker's FORWARD accepts it too)"
tap_is "$(get "$app" "$web_ip")" "" "shop/api -> frontend refused"
tap_is "$(get "$web" "$db_ip")" "" "frontend -> db refused"
tap_is "$(get_out 8080)" hello-from-bb "outside -> web's published port passes (Docker's DNAT, then our allow)"
tap_is "$(get_out 8081)" "" "outside -> app's published port refused (Docker would forward it, the policy does not)"
tap_is "$(get "$web" "198.18.$n.2")" outside "web -> outside passes (allow border), masqueraded by Docker"
tap_is "$(get "$app" "198.18.$n.2")" "" "app -> outside refused (deny border)"
f0=$(frame_drops)
tag_start
tag_send
wait_for 5 eval '[ "$(frame_drops)" -gt "$f0" ]'
tap_is "$(tag_stop)" "" "db's VLAN-tagged datagram to app is dropped by the bridge table (and counted)"
st=$(ZW status --json)
tap_ok "$(jq -e '.pairs[] | select(.from == "internet" and .to == "web") | .accepted > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: internet>web accepted counted (the published port)"
tap_ok "$(jq -e '.pairs[] | select(.from == "internet" and .to == "app") | .denied > 0' <<<"$st" >/dev/null; echo $?)" \
	"status: internet>app denied counted"
tap_is "$(theirs)" "$before" "Docker's tables are rule for rule as they were, with ours in place"

run_cmd ZW uninstall
tap_is "$rc" 0 "uninstall"
tap_is "$(DN nft list tables | grep -c ' zonewall$')" 0 "our tables are gone"
tap_is "$(theirs)" "$before" "Docker's tables are rule for rule as they were after uninstall"
tap_is "$(get "$app" "$web_ip")" hello-from-bb "after uninstall: app reaches web again"
tap_is "$(get_out 8081)" hello-from-bb "after uninstall: app's published port works again"
tap_is "$(get "$app" "198.18.$n.2")" outside "after uninstall: Docker's masquerade still works"
tap_done
