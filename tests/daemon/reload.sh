#!/bin/bash
# A reload of a large policy runs off zonewalld's loop: while it compiles,
# the control socket answers (status, ping), a second reload and an apply
# are refused as "in progress", and the reload's caller gets the real
# outcome once the new tables are in the kernel.  A bad policy's reload
# fails with its problems and leaves the kernel's tables as they were.
# The worker is held at a FIFO (ZONEWALLD_TEST_RELOAD_GATE, test only)
# so nothing here depends on how long a compile takes.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require
for t in nft jq nsenter mkfifo awk; do command -v $t >/dev/null || tap_skip_all "needs $t"; done

ns=zwrel$$
ip netns add "$ns" || tap_bail "cannot make a network namespace"
gate=$ZWD_DIR/gate
# a worker still held at the gate would hold the daemon's exit: let it go first
trap '[ -p "$gate" ] && timeout 5 sh -c '"'"': >"$1"'"'"' sh "$gate"; zwd_cleanup; ip netns del "$ns" 2>/dev/null' EXIT
N() { ip netns exec "$ns" "$@"; }
tables() { N nft -j list table inet zonewall | jq -S 'del(.nftables[] | select(.metainfo))'; }

# gen N PORT: an inventory of N/200 clients and 200 backends and a policy
# allowing each client to each backend (N rules); every 100th rule on PORT
gen() {
	awk -v n="$1" -v pb="$2" -v inv="$ZWD_DIR/inv.json" -v pol="$ZWD_DIR/policy.new" 'BEGIN {
		nb = 200; nc = int((n + nb - 1) / nb)
		print "{ \"version\": 1, \"entries\": [" >inv
		for (i = 0; i < nc; i++)
			printf "{ \"name\": \"client-%d\", \"zone\": \"clients\", \"cidrs\": [\"10.1.%d.%d/32\"] },\n",
				i, int(i / 250), i % 250 + 1 >inv
		for (j = 0; j < nb; j++)
			printf "{ \"name\": \"backend-%d\", \"zone\": \"backends\", \"cidrs\": [\"10.2.%d.%d/32\"] }%s\n",
				j, int(j / 250), j % 250 + 1, j < nb - 1 ? "," : "" >inv
		print "] }" >inv
		print "{ \"version\": 1, \"default_zone\": \"default\", \"zones\": [" >pol
		print "{ \"name\": \"default\", \"mode\": \"enforce\" }, { \"name\": \"clients\", \"mode\": \"enforce\" }," >pol
		print "{ \"name\": \"backends\", \"mode\": \"enforce\" } ], \"allow\": [" >pol
		for (k = 0; k < n; k++)
			printf "{ \"from\": \"client-%d\", \"to\": \"backend-%d\", \"proto\": \"tcp\", \"port\": %d }%s\n",
				int(k / nb), k % nb, k % 100 ? 8000 + k % 100 : pb, k < n - 1 ? "," : "" >pol
		print "] }" >pol
	}'
	chmod 0600 "$ZWD_DIR/policy.new" "$ZWD_DIR/inv.json"
	mv "$ZWD_DIR/policy.new" "$ZWD_DIR/policy.json"
}

gen 20000 7001
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$ns" "$ZONEWALLD" >"$ZWD_DIR/zwd-ns"
chmod 0700 "$ZWD_DIR/zwd-ns"
conf=$(zwd_conf r "mode = enforce
runtime = none
bridges = zwnobr0
inventory = $ZWD_DIR/inv.json
policy = $ZWD_DIR/policy.json
nflog_group = $(( 30000 + $$ % 20000 ))")
# the worker reads and compiles once a writer opened and closed the FIFO
# (bounded: a worker that never came would leave the open waiting)
open_gate() { timeout 30 sh -c ': >"$1"' sh "$gate"; rm -f "$gate"; }
export ZONEWALLD_TEST_RELOAD_GATE=$gate
ZONEWALLD=$ZWD_DIR/zwd-ns
# the first compile runs before the socket opens: slow on a busy host
zwd_start_slow() {
	ZWD_SOCK=$ZWD_DIR/r.sock ZWD_LOG=$ZWD_DIR/r.log
	"$ZONEWALLD" --foreground -c "$conf" 2>"$ZWD_LOG" &
	ZWD_PID=$!
	ZWD_PIDS+=("$ZWD_PID")
	wait_for 120 "$CTL_RAW" "$ZWD_SOCK" line '{"cmd":"ping"}'
}
zwd_start_slow || tap_bail "zonewalld did not start: $(tail -3 "$ZWD_DIR/r.log")"
tap_ok "$(tables | grep -q 7001; echo $?)" "zonewalld applied the first policy of 20,000 rules"

# --- a reload held while compiling ----------------------------------------------
gen 20000 7002
mkfifo -m 0600 "$gate"
"$ZONEWALL" reload --socket "$ZWD_SOCK" >"$ZWD_DIR/reload.out" 2>&1 &
rpid=$!
running() { zwd_ask '{"cmd":"status"}'; jq -e '.ok and .reload_in_progress' <<<"$out" >/dev/null; }
wait_for 30 running
tap_ok $? "status answers while the reload is under way, and says so"
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q '"pong":true' <<<"$out"; echo $?)" "ping answers meanwhile"
tap_ok "$(kill -0 $rpid 2>/dev/null && [ ! -s "$ZWD_DIR/reload.out" ]; echo $?)" \
	"the reload's caller waits for the outcome"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q 'a reload is in progress' <<<"$err"; echo $?)" \
	"a second reload is refused: $err"
zwd_ask '{"cmd":"apply"}'
tap_ok "$(grep -q '"ok":false.*a reload is in progress' <<<"$out"; echo $?)" "so is an apply: $out"
tap_ok "$(tables | grep -q 7002; [ $? = 1 ]; echo $?)" "the kernel holds the old policy until the apply"
open_gate
wait $rpid
tap_is "$?/$(cat "$ZWD_DIR/reload.out")" "0/reloaded" "the reload's caller hears the outcome: success"
tap_ok "$(tables | grep -q 7002; echo $?)" "the new policy is in the kernel"
zwd_ask '{"cmd":"status"}'
tap_ok "$(jq -e '(.reload_in_progress | not) and .reloads == 1 and .reload_failures == 0 and
	(.last_reload | test("via socket: ok"))' <<<"$out" >/dev/null; echo $?)" \
	"status: the reload ended well: $(jq -c .last_reload <<<"$out")"
tap_ok "$(tail -1 "$ZWD_DIR/state/audit.log" | grep -q '"command":"reload","outcome":"ok"'; echo $?)" \
	"the reload is audited when it ended"
# the same shape, tables untouched since: what changed went in as element
# updates (1% of the rules), the tables were not replaced
tap_ok "$(jq -e '.mode_state.full_applies == 1 and .mode_state.element_updates >= 1' <<<"$out" \
	>/dev/null; echo $?)" "the reload went in as element updates: $(jq -c \
	'.mode_state | {full_applies, element_updates}' <<<"$out")"

# --- someone else changed the ruleset: the reload replaces our tables -------------
N nft add table inet "zwtouch$$" && N nft delete table inet "zwtouch$$"
gen 20000 7005
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
zwd_ask '{"cmd":"status"}'
tap_ok "$([ "$rc" = 0 ] && tables | grep -q 7005 &&
	jq -e '.mode_state.full_applies == 2' <<<"$out" >/dev/null; echo $?)" \
	"after another's change to the ruleset, a reload replaces the tables ($rc: $err)"

# --- a bad policy: refused with its problems, old tables kept ---------------------
before=$(tables)
sed -i -e '0,/"port": 8001/s//"port": 99999/' -e '0,/"proto": "tcp"/s//"proto": "tcpx"/' \
	"$ZWD_DIR/policy.json"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q 'policy .*policy.json' <<<"$err" &&
	grep -q '^  \$.allow\[0\].proto: ' <<<"$err" && grep -q '^  \$.allow\[1\].port: ' <<<"$err"; echo $?)" \
	"a bad policy's reload fails with every problem: $(tr '\n' ' ' <<<"$err" | head -c 300)"
tap_is "$(tables)" "$before" "and the kernel's tables are as they were"
kill -HUP "$ZWD_PID"
wait_for 30 grep -q '"via":"signal","command":"reload","outcome":"failed"' "$ZWD_DIR/state/audit.log"
tap_ok $? "SIGHUP takes the same path: the bad policy's reload fails, audited"
tap_is "$(tables)" "$before" "still the old tables"
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q '"pong":true' <<<"$out" && zwd_alive; echo $?)" "the daemon still answers"

# --- a client that leaves while its reload compiles ---------------------------------
gen 20000 7003
mkfifo -m 0600 "$gate"
"$ZONEWALL" reload --socket "$ZWD_SOCK" >/dev/null 2>&1 &
rpid=$!
wait_for 30 running
kill $rpid; wait $rpid 2>/dev/null
open_gate
ended() { zwd_ask '{"cmd":"status"}'; jq -e '.ok and (.reload_in_progress | not)' <<<"$out" >/dev/null; }
wait_for 60 ended
tap_ok "$(zwd_alive && tables | grep -q 7003; echo $?)" \
	"a caller gone before the outcome: the reload is applied all the same, the daemon fine"

# --- the daemon stops while a reload compiles: its caller hears so ------------------
# (the CLI waits for a reload's outcome however long it takes; the daemon
# answers it or closes the connection, never leaves it waiting)
gen 20000 7004
mkfifo -m 0600 "$gate"
"$ZONEWALL" reload --socket "$ZWD_SOCK" >"$ZWD_DIR/reload.out" 2>&1 &
rpid=$!
wait_for 30 running
kill -TERM "$ZWD_PID"
open_gate
wait $rpid
rc=$?
tap_ok "$([ "$rc" = 1 ] && grep -q 'zonewalld is stopping: the reload was not applied' \
	"$ZWD_DIR/reload.out"; echo $?)" "the daemon stops mid-reload: its caller is told ($rc: $(cat "$ZWD_DIR/reload.out"))"
tap_done
