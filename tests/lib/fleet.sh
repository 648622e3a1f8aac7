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
	wait_for 30 fx curl -sf "${FLEET_CURL[@]}" "$FLEET_SCHEME://127.0.0.1:$cport/health"
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
