#!/bin/bash
# zonewalld in enforce mode whose container runtime does not answer: it
# must not install a policy from an empty index (every container would
# fall in the default zone and east-west traffic would stop).  The tables
# already in the kernel stay byte-identical, status and metrics say
# runtime_down, a reload is refused with the reason; once the runtime
# answers (a private podman API service on the configured socket) the
# daemon applies.  All in a network namespace of our own.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require
for t in nft jq nsenter; do command -v $t >/dev/null || tap_skip_all "needs $t"; done

ns=zwrtdown$$
ip netns add "$ns" || tap_bail "cannot make a network namespace"
trap 'zwd_cleanup; [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns" 2>/dev/null' EXIT
ip -n "$ns" link set lo up
N() { ip netns exec "$ns" "$@"; }
install -m 0600 "$top_srcdir/rules/policy.example.json" "$ZWD_DIR/policy.json"
sock=$ZWD_DIR/podman.sock
group=$((30000 + $$ % 20000))

# the tables a previous apply left (the default NFLOG group)
run_cmd N "$ZONEWALL" apply "$ZWD_DIR/policy.json" --runtime none --quiet
tap_is "$rc/$err" "0/" "tables installed beforehand (zonewall apply, inventory only)"
ruleset() { N nft -j list ruleset | jq -S 'del(.nftables[] | select(.metainfo))'; }
before=$(ruleset)

printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$ns" "$ZONEWALLD" >"$ZWD_DIR/zwd-ns"
chmod 0700 "$ZWD_DIR/zwd-ns"
conf=$(zwd_conf down "mode = enforce
runtime = podman://$sock
nflog_group = $group
policy = $ZWD_DIR/policy.json")
host_zonewalld=$ZONEWALLD ZONEWALLD=$ZWD_DIR/zwd-ns
zwd_start "$conf" || tap_bail "zonewalld did not start"
ZONEWALLD=$host_zonewalld
# the first field NAME anywhere in the daemon's status (false included)
st() { "$CTL_RAW" "$ZWD_SOCK" line '{"cmd":"status"}' | jq -r "[.. | objects | select(has(\"$1\")) | .$1][0]"; }
tap_is "$(st runtime_down)" true "status: runtime_down while the runtime has not answered"
run_cmd "$ZONEWALL" metrics --socket "$ZWD_SOCK"
tap_ok "$(grep -qx 'zonewall_runtime_down 1' <<<"$out"; echo $?)" "metrics: zonewall_runtime_down 1"
tap_ok "$(grep -q 'not applied yet: the container runtime has not answered' "$ZWD_LOG"; echo $?)" \
	"the log says the policy waits for the runtime"
tap_is "$(ruleset)" "$before" "the tables in the kernel are byte-identical (nothing installed from an empty index)"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q 'has not answered since the start' <<<"$err"; echo $?)" \
	"a reload is refused and says why: $err"
tap_is "$(ruleset)" "$before" "and the tables are still as they were"

# the runtime comes: a private podman API service on the configured socket
PODMAN=$(command -v podman || true)
if [ -z "$PODMAN" ]; then
	tap_skip "podman not installed: recovery not tested"
else
	"$PODMAN" system service --time=0 "unix://$sock" >"$ZWD_DIR/podman.log" 2>&1 &
	svc=$!
	wait_for 60 eval '[ "$(st runtime_down)" = false ]'
	tap_ok $? "once the runtime answers, runtime_down is false"
	wait_for 10 sh -c "ip netns exec $ns nft list table inet zonewall | grep -q 'group $group'"
	tap_ok $? "and the daemon has applied its policy (its own NFLOG group $group in the table)"
	run_cmd "$ZONEWALL" metrics --socket "$ZWD_SOCK"
	tap_ok "$(grep -qx 'zonewall_runtime_down 0' <<<"$out"; echo $?)" "metrics: zonewall_runtime_down 0"
fi
kill "$ZWD_PID"
wait "$ZWD_PID" 2>/dev/null
ZWD_PIDS=()

# runtime = auto with no runtime on this host: the same, unless one answers here
if [ -S /var/run/docker.sock ] || [ -S /run/podman/podman.sock ]; then
	tap_skip "a runtime socket exists on this host: auto would find it"
else
	N nft delete table inet zonewall 2>/dev/null
	N nft delete table bridge zonewall 2>/dev/null
	run_cmd N "$ZONEWALL" apply "$ZWD_DIR/policy.json" --runtime none --quiet
	before=$(ruleset)
	conf=$(zwd_conf auto "mode = enforce
runtime = auto
nflog_group = $group
policy = $ZWD_DIR/policy.json")
	ZONEWALLD=$ZWD_DIR/zwd-ns
	zwd_start "$conf" || tap_bail "zonewalld (auto) did not start"
	ZONEWALLD=$host_zonewalld
	tap_is "$(st runtime_down)" true "runtime = auto, none answering: runtime_down"
	tap_ok "$(grep -q 'runtime = none for the inventory only' "$ZWD_LOG"; echo $?)" \
		"the log says how to enable a runtime or choose inventory only"
	tap_is "$(ruleset)" "$before" "the tables in the kernel are byte-identical"
fi
tap_done
