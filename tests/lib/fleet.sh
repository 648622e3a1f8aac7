# shellcheck shell=bash
# Fleet-mode helpers (sourced): a private etcd (Debian's etcd-server) in a
# network namespace the test makes, on that namespace's loopback, so fixed
# ports collide with nothing; zonewall and the witness etcdctl run there too.

. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

FLEET_NS="zwf$$"
FLEET_DIR=
FLEET_URL="etcd://127.0.0.1:2379"
FLEET_ADDR=	# an address of the namespace etcd also listens on (fleet_hosts_add)
FLEET_SCHEME=http	# https: a test that gives etcd its TLS flags sets it,
FLEET_CURL=()		# and curl's own (--cacert, --cert, --key) for the health check
declare -A FLEET_PIDS=()

fleet_require() {	# skip the file unless root, namespaces and etcd are there
	ns_require
	command -v etcd >/dev/null || tap_skip_all "needs Debian's etcd-server (etcd)"
	command -v etcdctl >/dev/null || tap_skip_all "needs Debian's etcd-client (etcdctl)"
	ns_add "$FLEET_NS" || tap_skip_all "cannot make network namespace $FLEET_NS"
	FLEET_DIR=$(mktemp -d "/tmp/$FLEET_NS.XXXX")
	on_cleanup "rm -rf '$FLEET_DIR'"
}

fleet_require_daemons() {	# fleet_require, and zonewalld built and nft there
	fleet_require
	[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
	command -v nft >/dev/null || tap_skip_all "needs nft"
}

fx() {	# fx COMMAND...: run COMMAND in the fleet's namespace
	ip netns exec "$FLEET_NS" "$@"
}

# fleet_hosts_add NAME...: a namespace per host, each on a bridge in the
# fleet's namespace (10.77.0.1, etcd's address for the hosts: FLEET_ADDR);
# host i gets 10.77.0.(i+2).
fleet_hosts_add() {
	local i=2 h
	ip -n "$FLEET_NS" link add br0 type bridge &&
		ip -n "$FLEET_NS" addr add 10.77.0.1/24 dev br0 &&
		ip -n "$FLEET_NS" link set br0 up || return 1
	FLEET_ADDR=10.77.0.1
	for h in "$@"; do
		ns_add "$h" &&
			ip -n "$FLEET_NS" link add "v$i" type veth peer name eth0 netns "$h" &&
			ip -n "$FLEET_NS" link set "v$i" master br0 up &&
			ip -n "$h" addr add "10.77.0.$i/24" dev eth0 &&
			ip -n "$h" link set eth0 up || return 1
		i=$((i + 1))
	done
}

# fleet_etcd_start NAME CLIENT-PORT PEER-PORT [ETCD-ARG...]: one etcd member
# on loopback, waited for until it answers.
fleet_etcd_start() {
	local name=$1 cport=$2 pport=$3
	shift 3
	mkdir -p "$FLEET_DIR/$name"
	# exec: $! is etcd itself, so that its PID ends it
	local urls="$FLEET_SCHEME://127.0.0.1:$cport${FLEET_ADDR:+,$FLEET_SCHEME://$FLEET_ADDR:$cport}"
	(exec ip netns exec "$FLEET_NS" etcd --name "$name" --data-dir "$FLEET_DIR/$name/data" \
		--listen-client-urls "$urls" --advertise-client-urls "$urls" \
		--listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
		--initial-cluster "$name=http://127.0.0.1:$pport" --log-level error "$@" \
		>"$FLEET_DIR/$name/log" 2>&1) &
	FLEET_PIDS[$name]=$!
	on_cleanup "kill ${FLEET_PIDS[$name]}; wait ${FLEET_PIDS[$name]}"
	# a cluster's member is healthy once a leader is elected: with
	# FLEET_NOWAIT the caller starts the others first, then waits
	[ -n "${FLEET_NOWAIT:-}" ] ||
		wait_for 30 fx curl -sf "${FLEET_CURL[@]}" "$FLEET_SCHEME://127.0.0.1:$cport/health"
}

# fleet_cluster_start: a three-member etcd cluster (a, b, c: client ports
# 2379, 2479, 2579), waited for until every member answers healthy.
fleet_cluster_start() {
	local m ic="a=http://127.0.0.1:2380,b=http://127.0.0.1:2480,c=http://127.0.0.1:2580"
	FLEET_NOWAIT=1 fleet_etcd_start a 2379 2380 --initial-cluster "$ic" &&
		FLEET_NOWAIT=1 fleet_etcd_start b 2479 2480 --initial-cluster "$ic" &&
		FLEET_NOWAIT=1 fleet_etcd_start c 2579 2580 --initial-cluster "$ic" || return 1
	for m in 2379 2479 2579; do
		wait_for 60 fx curl -sf "http://127.0.0.1:$m/health" || return 1
	done
}

fleet_etcd_stop() {	# fleet_etcd_stop NAME: end that member (ours, by PID)
	kill "${FLEET_PIDS[$1]}" 2>/dev/null
	wait "${FLEET_PIDS[$1]}" 2>/dev/null
}

ectl() {	# ectl ARG...: the witness, etcdctl against the first member
	fx etcdctl --endpoints 127.0.0.1:2379 "$@"
}

zwf() {	# zwf SUB ARG...: zonewall fleet SUB in the namespace, on the first member
	fx "$ZONEWALL" fleet "$1" --fleet "$FLEET_URL" "${@:2}"
}

# fleet_sites: two hosts with a container each on routed container networks,
# etcd running, the fleet's policy pushed.  Sets A, B (hosts), AC, BC (their
# containers: 10.78.1.10, 10.78.2.10), a server on BC tcp/5432, and in
# FLEET_DIR: policy.json (web -> db tcp/5432; zones outside, web by label,
# data) and inventory.json (db = 10.78.2.10, zone data).  Bails on failure.
fleet_sites() {
	A=zwfa$$ B=zwfb$$ AC=zwfac$$ BC=zwfbc$$
	fleet_hosts_add "$A" "$B" || tap_bail "cannot make the hosts' namespaces"
	fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
	fleet_site_net "$A" "$AC" 1 && fleet_site_net "$B" "$BC" 2 ||
		tap_bail "cannot build the container networks"
	ip -n "$A" route add 10.78.2.0/24 via 10.77.0.3 && ip -n "$B" route add 10.78.1.0/24 via 10.77.0.2 ||
		tap_bail "cannot route between the hosts"
	serve "$BC" 5432
	fleet_site_files
}

# fleet_site_files: the sites' policy and inventory in FLEET_DIR (policy.json:
# web -> db tcp/5432; zones outside, web by label, data; inventory.json:
# db = 10.78.2.10, zone data), pushed as the fleet's policy.  Bails on failure.
fleet_site_files() {
	cat >"$FLEET_DIR/policy.json" <<'JSON'
{
  "version": 1,
  "default_zone": "outside",
  "zones": [
    { "name": "outside", "mode": "enforce" },
    { "name": "web", "mode": "enforce", "match": { "labels": { "zonewall.zone": "web" } } },
    { "name": "data", "mode": "enforce" }
  ],
  "allow": [
    { "from": "web", "to": "db", "proto": "tcp", "port": 5432, "comment": "web reads db" }
  ]
}
JSON
	cat >"$FLEET_DIR/inventory.json" <<'JSON'
{ "version": 1, "entries": [ { "name": "db", "zone": "data", "cidrs": ["10.78.2.10/32"] } ] }
JSON
	chmod 0600 "$FLEET_DIR/inventory.json"
	zwf push "$FLEET_DIR/policy.json" >/dev/null || tap_bail "cannot push the fleet's policy"
}

# fleet_site_net HOST-NS CONTAINER-NS N: on the host, a container bridge cbr0
# (10.78.N.1/24) with one container namespace on it (10.78.N.10), forwarding on
fleet_site_net() {
	ip -n "$1" link add cbr0 type bridge && ip -n "$1" addr add "10.78.$3.1/24" dev cbr0 &&
		ip -n "$1" link set cbr0 up && ns_add "$2" &&
		ip -n "$1" link add "c$3" type veth peer name eth0 netns "$2" &&
		ip -n "$1" link set "c$3" master cbr0 up &&
		ip -n "$2" addr add "10.78.$3.10/24" dev eth0 && ip -n "$2" link set eth0 up &&
		ip -n "$2" route add default via "10.78.$3.1" &&
		ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
}

# fleet_site_daemon MODE [EXTRA-LINES]: host B's zonewalld.conf for MODE, on cbr0
fleet_site_daemon() {
	mkdir -p -m 0700 "$FLEET_DIR/$B"
	cat >"$FLEET_DIR/$B/zonewalld.conf" <<CONF
mode = $1
runtime = none
inventory = $FLEET_DIR/inventory.json
bridges = cbr0
state_dir = $FLEET_DIR/$B/state
audit_log = $FLEET_DIR/$B/state/audit.log
control_socket = $FLEET_DIR/$B/zwd.sock
control_group = none
fleet = etcd://10.77.0.1:2379
fleet_host = host-b
fleet_lease_ttl = 5
${2:-}
CONF
	chmod 0600 "$FLEET_DIR/$B/zonewalld.conf"
}

# fleet_put_a LEASE: host A's container's record, as A's daemon would publish it
fleet_put_a() {
	ectl put --lease="$1" /zonewall/v1/endpoints/host-a/10.78.1.10 \
		'{"identity":"web","labels":{"zonewall.zone":"web"},"networks":[],"addrs":["10.78.1.10/32"],"host":"host-a"}' >/dev/null
}

# fleet_host_conf HOST-NS NAME [INVENTORY] [ETCD-ENDPOINTS]: that host's
# zonewalld.conf (enforce, inventory only, lease 5 s) in FLEET_DIR/HOST-NS/
fleet_host_conf() {
	mkdir -p -m 0700 "$FLEET_DIR/$1"
	cat >"$FLEET_DIR/$1/zonewalld.conf" <<CONF
mode = enforce
runtime = none
inventory = ${3:-$FLEET_DIR/inventory.json}
state_dir = $FLEET_DIR/$1/state
audit_log = $FLEET_DIR/$1/state/audit.log
control_socket = $FLEET_DIR/$1/zwd.sock
control_group = none
fleet = etcd://${4:-10.77.0.1:2379}
fleet_host = $2
fleet_lease_ttl = 5
CONF
	chmod 0600 "$FLEET_DIR/$1/zonewalld.conf"
}

# fleet_host_start HOST-NS: its zonewalld, answering (exec: ZPID[HOST-NS] is
# the daemon's own PID; stopped ones are continued before the cleanup's kill)
declare -A ZPID=()
fleet_host_start() {
	(exec ip netns exec "$1" "$ZONEWALLD" --foreground -c "$FLEET_DIR/$1/zonewalld.conf" \
		2>>"$FLEET_DIR/$1/log") &
	ZPID[$1]=$!
	on_cleanup "kill -CONT ${ZPID[$1]}; kill ${ZPID[$1]}; wait ${ZPID[$1]}"
	wait_for 20 "$ZONEWALL" daemon-status --socket "$FLEET_DIR/$1/zwd.sock"
}
