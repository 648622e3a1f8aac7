#!/bin/bash
# Learn mode's state: a state_dir it cannot write fails the start (not every
# checkpoint after "ready"), the proposal is the daemon's alone while it runs
# (another writer is refused, naming the daemon), and a last checkpoint that
# fails on SIGTERM makes the exit status 1.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require

# --- state_dir unusable -------------------------------------------------------------
: >"$ZWD_DIR/afile"
conf=$(zwd_conf file)
sed -i -e "s|^state_dir = .*|state_dir = $ZWD_DIR/afile|" \
	-e "s|^audit_log = .*|audit_log = $ZWD_DIR/file-audit.log|" "$conf"
run_cmd timeout 20 "$ZONEWALLD" --foreground -c "$conf"
tap_is "$rc" 1 "state_dir a regular file: exit 1"
tap_ok "$(grep -q "state_dir $ZWD_DIR/afile: cannot write proposal.json there" <<<"$err" &&
	! grep -q 'ready: mode' <<<"$err"; echo $?)" "before saying ready, naming it: $(tail -1 <<<"$err")"

# --- the proposal is the running daemon's ---------------------------------------------
conf=$(zwd_conf learn)
zwd_start "$conf" || tap_bail "zonewalld did not start"
tap_ok 0 "a learning daemon runs"
prop=$ZWD_DIR/state/proposal.json
printf '{"version": 1, "edges": []}\n' >"$ZWD_DIR/other.json"
run_cmd env ZONEWALL_LOCK_WAIT=1 "$ZONEWALL" merge "$ZWD_DIR/other.json" -o "$prop"
tap_ok "$([ "$rc" = 1 ] && grep -q "pid $ZWD_PID" <<<"$err"; echo $?)" \
	"zonewall merge -o into its proposal refused, naming the daemon: $err"

# a second learner on the same state (another network namespace: the owner
# lock is per namespace, the proposal's lock is per file)
conf2=$(zwd_conf second)
sed -i -e "s|^state_dir = .*|state_dir = $ZWD_DIR/state|" \
	-e "s|^audit_log = .*|audit_log = $ZWD_DIR/second-audit.log|" "$conf2"
run_cmd timeout 20 unshare -n "$ZONEWALLD" --foreground -c "$conf2"
tap_ok "$([ "$rc" = 1 ] && grep -q "being written by another process (pid $ZWD_PID)" <<<"$err"; echo $?)" \
	"a second learner on the same proposal: exit 1: $(tail -1 <<<"$err")"

# --- a last checkpoint that fails -------------------------------------------------------
# the daemon keeps no CAP_DAC_OVERRIDE: a read-only state_dir stops its writes
chmod 0555 "$ZWD_DIR/state"
kill -TERM "$ZWD_PID"
wait "$ZWD_PID"
rc=$?
chmod 0755 "$ZWD_DIR/state"
tap_is "$rc" 1 "SIGTERM with the last checkpoint failing: exit 1"
tap_ok "$(grep -q 'the last checkpoint failed' "$ZWD_LOG"; echo $?)" \
	"and the log says what was lost: $(grep 'last checkpoint' "$ZWD_LOG" | tail -1)"
tap_done
