#!/bin/bash
# zonewalld refuses files others could have written, one daemon per
# socket, failed reloads keep the old state, JSON logs, and detaching.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require

# --- files others could have written ---------------------------------------------
conf=$(zwd_conf perm)
chmod 0646 "$conf"
run_cmd "$ZONEWALLD" --foreground -c "$conf"
tap_is "$rc" 2 "a config writable by others: exit 2"
tap_ok "$(grep -q "config file $conf has mode 0646: writable by others" <<<"$err"; echo $?)" \
	"the message names the file and its mode: $err"
tap_ok "$([ ! -e "$ZWD_DIR/perm.sock" ]; echo $?)" "and nothing was started"

chmod 0620 "$conf"
run_cmd "$ZONEWALLD" --foreground -c "$conf"
tap_ok "$([ "$rc" = 2 ] && grep -q 'writable by its group' <<<"$err"; echo $?)" \
	"a group-writable config refused: $err"

run_cmd "$ZONEWALLD" --check-config -c "$conf"
tap_ok "$([ "$rc" = 0 ] && grep -q 'warning: .*refuse to start' <<<"$err"; echo $?)" \
	"--check-config still prints the settings and warns"

chmod 0600 "$conf"
chown nobody "$conf"
run_cmd "$ZONEWALLD" --foreground -c "$conf"
tap_ok "$([ "$rc" = 2 ] && grep -q "owned by uid $(id -u nobody), not root" <<<"$err"; echo $?)" \
	"a config not owned by root refused: $err"
chown 0 "$conf"

printf '{"version": 1, "zones": [], "rules": []}\n' >"$ZWD_DIR/policy.json"
chmod 0666 "$ZWD_DIR/policy.json"
conf=$(zwd_conf enf "mode = enforce
policy = $ZWD_DIR/policy.json")
run_cmd "$ZONEWALLD" --foreground -c "$conf"
tap_ok "$([ "$rc" = 2 ] && grep -q "policy file $ZWD_DIR/policy.json has mode 0666" <<<"$err"; echo $?)" \
	"a policy writable by others refused: $err"

# --- one daemon per socket; failed reloads keep what is in effect ---------------------
conf=$(zwd_conf one "log_format = json")
zwd_start "$conf" || tap_bail "zonewalld did not start"
run_cmd "$ZONEWALLD" --foreground -c "$conf"
tap_ok "$([ "$rc" = 1 ] && grep -q 'another zonewalld running' <<<"$err"; echo $?)" \
	"a second daemon on the same socket is refused: $err"
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q pong <<<"$out"; echo $?)" "and the first still answers"

tap_ok "$(head -1 "$ZWD_LOG" | grep -Eq '^\{"time":"[^"]+Z","level":"[a-z]+","msg":".+"\}$'; echo $?)" \
	"log_format = json: one JSON object per line: $(head -1 "$ZWD_LOG")"

echo "bogus_key = 1" >>"$conf"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q "unknown key 'bogus_key'" <<<"$err"; echo $?)" \
	"reload of a broken config fails and says why: $err"
tap_ok "$(tail -1 "$ZWD_DIR/state/audit.log" | grep -q '"command":"reload","outcome":"failed"'; echo $?)" \
	"the failed reload is audited"
sed -i '/bogus_key/d' "$conf"
chmod 0666 "$conf"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q 'mode 0666' <<<"$err"; echo $?)" \
	"reload of a config made world-writable is refused: $err"
chmod 0600 "$conf"
sed -i 's/^log_format = json/log_format = text/' "$conf"
echo "checkpoint_interval = 5" >>"$conf"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_is "$rc" 0 "a good reload succeeds"
run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK" --json
tap_ok "$(grep -q '"reloads": 3' <<<"$out" && grep -q '"reload_failures": 2' <<<"$out"; echo $?)" \
	"status counts reloads and failures"
zwd_alive
tap_ok $? "the daemon survived the failed reloads"
sed -i 's/^mode = .*//; 1i mode = monitor\npolicy = /nonexistent.json' "$conf"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q 'restart needed for: mode' <<<"$err"; echo $?)" \
	"a key that needs a restart is kept and named, exit 1 (not a whole reload): $err"
kill "$ZWD_PID"; wait "$ZWD_PID"; ZWD_PIDS=()

# --- monitor mode: the policy is loaded at start and swapped on reload -------------------
# It applies the policy for real: in a network namespace of our own, so the
# host's tables (maybe someone else's table inet zonewall) are not touched
# and nothing is left behind.
install -m 0600 "$top_srcdir/rules/policy.example.json" "$ZWD_DIR/good.json"
conf=$(zwd_conf mon "mode = monitor
runtime = none
policy = $ZWD_DIR/good.json")
ns=zwsafety$$
ip netns add "$ns" || tap_bail "cannot make a network namespace"
trap 'zwd_cleanup; ip netns del "$ns" 2>/dev/null' EXIT
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$ns" "$ZONEWALLD" >"$ZWD_DIR/zwd-ns"
chmod 0700 "$ZWD_DIR/zwd-ns"
host_zonewalld=$ZONEWALLD ZONEWALLD=$ZWD_DIR/zwd-ns
zwd_start "$conf" || tap_bail "zonewalld did not start in monitor mode"
ZONEWALLD=$host_zonewalld
run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK" --json
tap_ok "$(grep -q '"mode": "monitor"' <<<"$out" && grep -q '"policy_loaded": true' <<<"$out"; echo $?)" \
	"monitor mode starts with the policy loaded"
echo '{"zones": [' >"$ZWD_DIR/good.json"
run_cmd "$ZONEWALL" reload --socket "$ZWD_SOCK"
tap_ok "$([ "$rc" = 1 ] && grep -q "policy $ZWD_DIR/good.json: \\$" <<<"$err"; echo $?)" \
	"a broken policy is not swapped in; the error names the JSON path: $err"
zwd_alive
tap_ok $? "and the daemon keeps running on the old policy"
kill "$ZWD_PID"; wait "$ZWD_PID"; ZWD_PIDS=()

# --- control_group: an existing group gets 0660 ------------------------------------------
conf=$(zwd_conf grp "control_group = root")
zwd_start "$conf" || tap_bail "zonewalld did not start"
tap_is "$(stat -c '%a %G' "$ZWD_SOCK")" "660 root" "control_group = root: socket 0660, group root"
kill "$ZWD_PID"; wait "$ZWD_PID"; ZWD_PIDS=()

# --- without --foreground: detach once ready ------------------------------------------------
conf=$(zwd_conf bg "log = stderr")
run_cmd timeout 10 "$ZONEWALLD" -c "$conf"
tap_is "$rc" 0 "without --foreground the parent exits 0 once the daemon is ready"
ZWD_SOCK=$ZWD_DIR/bg.sock
run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK" --json
pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' <<<"$out")
tap_ok "$([ -n "$pid" ] && kill -0 "$pid"; echo $?)" "and the detached daemon answers (pid $pid)"
[ -z "$pid" ] || { kill "$pid"; wait_for 5 test ! -e "$ZWD_SOCK"; }
tap_ok "$([ ! -e "$ZWD_SOCK" ]; echo $?)" "SIGTERM stops it"
conf=$(zwd_conf bgfail "mode = enforce
policy = /nonexistent/policy.json")
run_cmd timeout 10 "$ZONEWALLD" -c "$conf"
tap_is "$rc" 2 "a policy that is missing: refused before detaching (exit 2)"

tap_done
