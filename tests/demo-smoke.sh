#!/bin/bash
# tools/demo, run as a new user would (root), must tell its story, finish in
# under two minutes and leave nothing behind: twice in a row, once forced
# onto network namespaces, once interrupted (Ctrl-C during learning) and
# once failing part-way.  "Nothing behind" is checked against podman ps -a,
# podman network ls, podman images, ip netns, links, nft list tables, /tmp
# and the process list, before and after each run.
#
# The host may be shared: only what the demo names (zwdemo*), its bridge
# and zonewall's own tables are held against it; other differences are
# printed as diagnostics.  Not in any TESTS list (each run calls
# tools/setup, which may apt-get); run it by hand or from CI:
#   sudo ZONEWALL=build/zonewall tests/demo-smoke.sh
. "$(dirname "$0")/lib/common.sh"

[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (tools/demo makes containers, namespaces, nft tables)"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL (build first, or set ZONEWALL)"
ZONEWALL=$(cd "$(dirname "$ZONEWALL")" && pwd)/$(basename "$ZONEWALL")
export ZONEWALL
demo=${top_srcdir:?}/tools/demo
work=$(mktemp -d /tmp/zwsmoke.XXXX)
KEEP=${KEEP:-}
trap '[ -n "$KEEP" ] || rm -rf "$work"' EXIT

state() {	# everything a demo run could leave behind, one "kind: name" per line
	if command -v podman >/dev/null; then
		podman ps -a --format 'container: {{.Names}}' 2>/dev/null
		podman network ls --format 'network: {{.Name}}' 2>/dev/null
		podman images --format 'image: {{.Repository}}:{{.Tag}}' 2>/dev/null
	fi
	ip netns list | awk '{ print "netns: " $1 }'
	ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print "link: " $2 }'
	nft list tables | sed 's/^/nft: /'
	for d in /tmp/zwdemo*; do [ -e "$d" ] && echo "tmp: $d"; done
	ps -eo args= | grep -F zwdemo | grep -v -e grep -e demo-smoke | sed 's/^/process: /'
	true
}

# leftovers NAME BEFORE-FILE AFTER-FILE DEMO-OUTPUT: the demo's own leftovers
leftovers() {
	local br
	br=$(grep -o 'on bridge podman[0-9]*' "$4" | head -1 | awk '{ print $3 }')
	comm -13 <(sort "$2") <(sort "$3") | grep -e zwdemo -e 'nft: table .* zonewall$' \
		${br:+-e "link: $br\$"}
	# a zonewall table that was there before must still be there (not ours)
	comm -23 <(sort "$2") <(sort "$3") | grep -e 'nft: table .* zonewall$'
	true
}

# run_demo NAME [ENV...]: run tools/demo; sets $drc, $dsecs, $dout
run_demo() {
	local name=$1 t0
	shift
	dout=$work/$name.out
	state >"$work/$name.before"
	t0=$EPOCHREALTIME
	env "$@" "$demo" >"$dout" 2>&1
	drc=$?
	dsecs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	state >"$work/$name.after"
}

check_clean() {	# check_clean NAME
	local left
	left=$(leftovers "$1" "$work/$1.before" "$work/$1.after" "$dout")
	tap_is "$left" "" "$1: nothing left behind (podman, netns, links, nft tables, /tmp, processes)"
	comm -3 <(sort "$work/$1.before") <(sort "$work/$1.after") | grep -v -e zwdemo |
		awk -F'\t' '{ print ($1 == "" ? "appeared" : "gone") " meanwhile (not the demo): " $1 $2 }' |
		head -20 | while read -r l; do tap_diag "$l"; done
}

check_story() {	# check_story NAME: exit 0, under 2 minutes, each chapter told
	local m
	tap_is "$drc" 0 "$1: tools/demo exits 0 (${dsecs} s)"
	[ "$drc" = 0 ] || tail -20 "$dout" | while read -r l; do tap_diag "$l"; done
	tap_ok "$(awk -v s="$dsecs" 'BEGIN { exit !(s < 120) }'; echo $?)" "$1: under two minutes (${dsecs} s)"
	for m in 'written to proposal.json' 'refused-by-border' 'refused edge .* web -> db' \
		'2 rules added to policy.json' 'applied table inet zonewall' \
		'web  -> app  tcp/80  answered' 'web  -> db   tcp/80  no answer' \
		'denied (border)  tcp    web ' 'kernel path:' 'removed table inet zonewall' \
		'The demo took'; do
		grep -q -e "$m" "$dout" || { tap_ok 1 "$1: the output tells '$m'"; return; }
	done
	tap_ok 0 "$1: the output tells every chapter (learn, review, refused approval, approve, apply, traffic, denied, status, uninstall)"
}

for n in first second; do
	run_demo "$n"
	check_story "$n"
	check_clean "$n"
	tap_diag "$n run: $(grep -o -m1 -e 'Podman containers' -e 'Falling back to network namespaces' "$dout")"
done

run_demo netns ZW_DEMO_MODE=netns
check_story netns
check_clean netns

# Ctrl-C while learning: the whole process group gets SIGINT, as from a
# terminal.  A background job of a script starts with SIGINT ignored, and
# bash cannot trap a signal ignored at entry: python3 restores it first.
command -v python3 >/dev/null || tap_bail "needs python3 (tools/setup installs it)"
state >"$work/sigint.before"
dout=$work/sigint.out
python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execv(sys.argv[1], sys.argv[1:])' "$demo" >"$dout" 2>&1 &
pid=$!
for ((i = 0; i < 3000; i++)); do
	grep -q 'answered' "$dout" && break
	kill -0 "$pid" 2>/dev/null || break
	read -r -t 0.02 <> <(:) 2>/dev/null || true
done
kill -INT -- "-$pid" 2>/dev/null
wait "$pid"
drc=$?
state >"$work/sigint.after"
tap_is "$drc" 130 "sigint: Ctrl-C during learning stops the demo (exit 130)"
tap_ok "$(grep -q '== Clean-up' "$dout"; echo $?)" "sigint: ... and it cleans up"
check_clean sigint

# A failure part-way (zonewall status fails after the policy is applied).
cat >"$work/zonewall" <<EOF
#!/bin/sh
[ "\$1" = status ] && { echo "zonewall status: injected failure" >&2; exit 1; }
exec "$ZONEWALL" "\$@"
EOF
chmod +x "$work/zonewall"
run_demo failing ZONEWALL="$work/zonewall"
tap_ok "$([ "$drc" != 0 ]; echo $?)" "failing: a failing step fails the demo (exit $drc)"
tap_ok "$(grep -q 'injected failure' "$dout" && grep -q '== Clean-up' "$dout"; echo $?)" \
	"failing: ... it says what failed and cleans up"
check_clean failing
tap_done
