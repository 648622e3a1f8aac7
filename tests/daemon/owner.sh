#!/bin/bash
# One controller per network namespace: a zonewalld in monitor or enforce
# mode owns the namespace's tables.  A second daemon there refuses to start
# (naming the first), `zonewall apply` and `uninstall` refuse to replace
# what it controls unless --force, `status` names it; a daemon in another
# namespace is no conflict; kill -9 releases the lock with the process.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require
for t in nft jq nsenter; do command -v $t >/dev/null || tap_skip_all "needs $t"; done

ns=zwown$$ ns2=zwown2$$
ip netns add "$ns" && ip netns add "$ns2" || tap_bail "cannot make network namespaces"
trap 'zwd_cleanup; ip netns del "$ns" 2>/dev/null; ip netns del "$ns2" 2>/dev/null' EXIT
install -m 0600 "$top_srcdir/rules/policy.example.json" "$ZWD_DIR/policy.json"
for n in "$ns" "$ns2"; do
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$n" "$ZONEWALLD" >"$ZWD_DIR/zwd-$n"
	chmod 0700 "$ZWD_DIR/zwd-$n"
done
host_zonewalld=$ZONEWALLD
body="mode = monitor
runtime = none
policy = $ZWD_DIR/policy.json"
N() { ip netns exec "$ns" "$@"; }
tables() { N nft -j list ruleset | jq -S 'del(.nftables[] | select(.metainfo))'; }

conf_a=$(zwd_conf a "$body")
ZONEWALLD=$ZWD_DIR/zwd-$ns
zwd_start "$conf_a" || tap_bail "the first zonewalld did not start"
ZONEWALLD=$host_zonewalld
pid_a=$ZWD_PID sock_a=$ZWD_SOCK
owner="zonewalld pid $pid_a, mode monitor, config $conf_a"

conf_b=$(zwd_conf b "$body")
run_cmd timeout 20 "$ZWD_DIR/zwd-$ns" --foreground -c "$conf_b"
tap_ok "$([ "$rc" = 1 ] && grep -qF "another daemon controls the tables of this network namespace ($owner)" <<<"$err"; echo $?)" \
	"a second zonewalld in the same namespace refuses to start, naming the first: rc $rc"
tap_ok "$([ ! -e "$ZWD_DIR/b.sock" ]; echo $?)" "and opened no control socket"

before=$(tables)
run_cmd N "$ZONEWALL" apply "$ZWD_DIR/policy.json" --runtime none --quiet
tap_ok "$([ "$rc" = 1 ] && grep -qF "a running zonewalld controls the tables of this network namespace ($owner)" <<<"$err"; echo $?)" \
	"zonewall apply beside it is refused and names it: rc $rc"
run_cmd N "$ZONEWALL" uninstall
tap_ok "$([ "$rc" = 1 ] && grep -qF "($owner)" <<<"$err"; echo $?)" "so is zonewall uninstall"
tap_is "$(tables)" "$before" "the daemon's tables are as they were"
tap_is "$(N "$ZONEWALL" status --json | jq -r .owner)" "$owner" "zonewall status names the daemon that controls the tables"

conf_c=$(zwd_conf c "$body")
ZONEWALLD=$ZWD_DIR/zwd-$ns2
zwd_start "$conf_c"
tap_ok $? "a zonewalld in another network namespace starts beside it"
ZONEWALLD=$host_zonewalld
kill "$ZWD_PID"
wait "$ZWD_PID" 2>/dev/null

run_cmd N "$ZONEWALL" apply "$ZWD_DIR/policy.json" --runtime none --force
tap_ok "$([ "$rc" = 0 ] && grep -qF "replacing the tables of a running zonewalld ($owner)" <<<"$err"; echo $?)" \
	"apply --force replaces them and warns: rc $rc"

kill -9 "$pid_a"
wait "$pid_a" 2>/dev/null
run_cmd N "$ZONEWALL" apply "$ZWD_DIR/policy.json" --runtime none --quiet
tap_is "$rc/$err" "0/" "after kill -9 the lock is gone with the process: apply needs no --force"
tap_is "$(N "$ZONEWALL" status --json | jq -r .owner)" null "and status names no controlling daemon"
run_cmd N "$ZONEWALL" uninstall
tap_is "$rc" 0 "uninstall"
tap_done
