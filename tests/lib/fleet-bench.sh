# Helpers of the fleet benchmarks (tests/bench/fleet, tests/bench/fleet-scale),
# sourced after tests/lib/fleet.sh.  The hosts are the namespaces in H[]
# (nhosts of them); each has FLEET_DIR/NS/monitor, `nft monitor`'s lines
# time-stamped as they were read: the kernel's own word, no polling.
# STAMP: the built tests/bench/stamp (relative to the build dir by default).
: "${STAMP:=./tests/bench/stamp}"
STAMP=$(readlink -f "$STAMP")
[ -x "$STAMP" ] || { echo "fleet bench: $STAMP not built (make check builds it)" >&2; exit 2; }

stamp() {	# each line read, after the time it was read at (s.us): tests/bench/stamp
	"$STAMP"
}
start_host() {	# start_host NS NAME [URL]: zonewalld there, and nft monitor as the witness
	local d=$FLEET_DIR/$1
	mkdir -p -m 0700 "$d"
	printf '%s\n' "mode = enforce" "runtime = none" "inventory = $FLEET_DIR/inventory.json" \
		"state_dir = $d/state" "audit_log = $d/state/audit.log" "control_socket = $d/zwd.sock" \
		"control_group = none" "fleet = ${3:-etcd://$FLEET_ADDR:2379}" "fleet_host = $2" >"$d/zonewalld.conf"
	chmod 0600 "$d/zonewalld.conf"
	(exec ip netns exec "$1" "$ZONEWALLD" --foreground -c "$d/zonewalld.conf" 2>>"$d/log") &
	ZPIDS+=($!)
	on_cleanup "kill $!; wait $!"
	wait_for 30 "$ZONEWALL" daemon-status --socket "$d/zwd.sock" || return 1
	ip netns exec "$1" stdbuf -oL nft monitor > >(stamp >"$d/monitor") 2>/dev/null &
	on_cleanup "kill $!"
}
seen_at() {	# seen_at FILE ERE T0: the first time after T0 a line of FILE matches
	awk -v t0="$3" -v re="$2" '$1 >= t0 && $0 ~ re { print $1; exit }' "$1"
}
committed_at() {	# committed_at FILE ERE T0: the time of the first line, after T0, of
	# the transaction whose lines hold ERE.  The kernel tells nothing of a
	# transaction before it commits, and ends its lines with "# new
	# generation"; a table replaced with thousands of elements takes nft
	# monitor longer to print than the kernel took to commit it.
	awk -v t0="$3" -v re="$2" '$1 < t0 { next }
		/# new generation/ { start = ""; next }
		{ if (start == "") start = $1; if ($0 ~ re) { print start; exit } }' "$1"
}
all_at() {	# all_at FN ERE T0: the latest of every host's time by FN (seen_at or
	# committed_at); fails while a host has none
	local t m=0 i
	for ((i = 0; i < nhosts; i++)); do
		t=$("$1" "$FLEET_DIR/${H[i]}/monitor" "$2" "$3")
		[ -n "$t" ] || return 1
		m=$(awk -v a="$m" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
	done
	echo "$m"
}
wait_seen() {	# wait_seen ERE T0 [committed_at]: all_at's time once every host saw ERE
	local deadline=$((SECONDS + 30)) t
	until t=$(all_at "${3:-seen_at}" "$1" "$2"); do
		[ $SECONDS -lt "$deadline" ] || return 1
		read -r -t 0.02 <> <(:) 2>/dev/null || true
	done
	echo "$t"
}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'; }
pct() {	# pct FILE [P]: "p50 X ms, p99 Y ms, min, max (n=N)", or with P that percentile alone
	sort -n "$1" | awk -v p="${2:-}" '{ v[NR] = $1 } END {
		i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
		if (p != "") { printf "%s", v[int(NR * p / 100 + 0.999)]; exit }
		printf "p50 %.0f ms, p99 %.0f ms, min %.0f ms, max %.0f ms (n=%d)", v[i50], v[i99], v[1], v[NR], NR }'
}
ratio() { awk -v a="$(pct "$1" 50)" -v b="$(pct "$2" 50)" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
