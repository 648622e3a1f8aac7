# shellcheck shell=bash
# TAP helpers shared by every shell test (sourced).  Tests print a plan at
# the end with tap_done; tap_skip_all skips a whole file with a reason.

: "${ZONEWALL:=${top_builddir:-.}/zonewall}"
: "${ZONEWALLD:=${top_builddir:-.}/zonewalld}"
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

tap_n=0
tap_failed=0

tap_ok() {	# tap_ok COND-EXIT-STATUS DESCRIPTION
	local st=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $tap_n - $*"
	else
		echo "not ok $tap_n - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

tap_is() {	# tap_is GOT WANT DESCRIPTION
	local got=$1 want=$2
	shift 2
	if [ "$got" = "$want" ]; then
		tap_ok 0 "$*"
	else
		tap_ok 1 "$*"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/# /'
	fi
}

tap_fits() {	# tap_fits TEXT DESCRIPTION: no line of TEXT past 120 characters
	local w
	w=$(printf '%s\n' "$1" | LC_ALL=C.UTF-8 wc -L)
	tap_ok "$([ "$w" -le 120 ]; echo $?)" "$2 ($w columns)"
}

tap_skip() {	# tap_skip REASON: one skipped test
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $*"
}

tap_todo() {	# tap_todo COND-EXIT-STATUS REASON DESCRIPTION: a known gap, not a failure
	local st=$1 why=$2
	shift 2
	tap_n=$((tap_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $tap_n - $* # TODO $why"
	else
		echo "not ok $tap_n - $* # TODO $why"
	fi
}

tap_skip_all() {	# tap_skip_all REASON: the whole file is skipped
	echo "1..0 # SKIP $*"
	exit 0
}

tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

tap_bail() {
	echo "Bail out! $*"
	exit 1
}

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# run_cmd: run "$@", keep stdout, stderr and the exit status in globals.
run_cmd() {
	local o e
	o=$(mktemp) e=$(mktemp)
	"$@" >"$o" 2>"$e"
	rc=$?
	out=$(cat "$o")
	err=$(cat "$e")
	rm -f "$o" "$e"
	return 0
}

# wait_for TIMEOUT-SECONDS COMMAND...: busy-wait until COMMAND succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt "$deadline" ] || return 1
		read -r -t 0.02 <> <(:) 2>/dev/null || true
	done
}
