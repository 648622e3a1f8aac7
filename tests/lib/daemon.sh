# shellcheck shell=bash
# Helpers for the daemon tier (sourced): start zonewalld in the foreground
# with a temporary config, state directory and socket, wait for it to
# answer, and kill it (by PID, only ours) in the cleanup trap.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

: "${CTL_RAW:=${top_builddir:-.}/tests/daemon/ctl-raw}"
ZWD_DIR=
ZWD_PIDS=()

zwd_cleanup() {
	local p
	for p in "${ZWD_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -z "$ZWD_DIR" ] || rm -rf "$ZWD_DIR"
}
trap zwd_cleanup EXIT

zwd_require() {	# skip unless root (capabilities) and the helpers are built
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (zonewalld drops capabilities)"
	[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
	[ -x "$CTL_RAW" ] || tap_skip_all "tests/daemon/ctl-raw not built"
	ZWD_DIR=$(mktemp -d /tmp/zwd-test.XXXXXX) || tap_bail "mktemp"
	chmod 0700 "$ZWD_DIR"
}

# A free loopback TCP port (best effort: nothing listens on it now).
zwd_free_port() {
	local p
	for p in $(shuf -i 20000-60000 -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	echo 29469
}

# zwd_conf NAME [EXTRA-LINES]: write $ZWD_DIR/NAME.conf (mode 0600).
zwd_conf() {
	local f=$ZWD_DIR/$1.conf
	{
		echo "state_dir = $ZWD_DIR/state"
		echo "audit_log = $ZWD_DIR/state/audit.log"
		echo "control_socket = $ZWD_DIR/$1.sock"
		[ -z "${2:-}" ] || printf '%s\n' "$2"
	} >"$f"
	chmod 0600 "$f"
	echo "$f"
}

# zwd_start CONF: start zonewalld -f; sets ZWD_PID, ZWD_SOCK, ZWD_LOG.
zwd_start() {
	ZWD_SOCK=$(sed -n 's/^control_socket = //p' "$1")
	ZWD_LOG=${1%.conf}.log
	"$ZONEWALLD" --foreground -c "$1" 2>"$ZWD_LOG" &
	ZWD_PID=$!
	ZWD_PIDS+=("$ZWD_PID")
	if ! wait_for 10 "$CTL_RAW" "$ZWD_SOCK" line '{"cmd":"ping"}'; then
		tap_diag "zonewalld did not answer; its log:" "$(cat "$ZWD_LOG")"
		return 1
	fi
}

# zwd_ask JSON: one raw request; the reply line in $out.
zwd_ask() {
	out=$("$CTL_RAW" "$ZWD_SOCK" line "$1" 2>&1)
}

zwd_alive() {
	kill -0 "$ZWD_PID" 2>/dev/null
}
