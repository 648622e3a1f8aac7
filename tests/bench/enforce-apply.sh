#!/bin/bash
# Apply-time benchmark, not part of `make check`:
#   zonewall's netlink apply (src/nft/, via tests/bench/enforce-apply) of the
#   N-tuple model vs `nft -f` of the same model rendered as text, each in a
#   fresh network namespace, interleaved over ROUNDS rounds; then the
#   incremental update of M elements into the N-element set.
# Usage (root): tests/bench/enforce-apply.sh [BUILDDIR]   env: N ROUNDS M
set -u
build=${1:-${top_builddir:-.}}
drv=$build/tests/bench/enforce-apply
N=${N:-100000} ROUNDS=${ROUNDS:-5} M=${M:-1000}
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
[ -x "$drv" ] || { echo "build $drv first (make check builds it)" >&2; exit 1; }
tmp=$(mktemp -d)
ns="zwbench$$"
trap 'ip netns del $ns 2>/dev/null; rm -rf "$tmp"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000)); }	# microseconds, despite the name
stats() {	# stats FILE: "median min max" in ms
	sort -n "$1" | awk '{v[NR]=$1} END {printf "%.1f %.1f %.1f", v[int((NR+1)/2)]/1000, v[1]/1000, v[NR]/1000}'
}
# run_in_fresh_ns OUTFILE CMD...: wall time of CMD inside a new namespace
run_in_fresh_ns() {
	local out=$1 t0 t1
	shift
	ip netns add "$ns"
	t0=$(now_ms)
	ip netns exec "$ns" "$@" >>"$tmp/log" 2>&1 || { echo "failed: $*" >&2; cat "$tmp/log" >&2; exit 1; }
	t1=$(now_ms)
	ip netns del "$ns"
	echo $((t1 - t0)) >>"$out"
}

"$drv" text "$N" "$tmp/ruleset.nft"
echo "model: $N elements of ipv4_addr . ipv4_addr . inet_proto . inet_service, $(wc -c <"$tmp/ruleset.nft") bytes as nft text"
for r in $(seq "$ROUNDS"); do
	run_in_fresh_ns "$tmp/zw" "$drv" apply "$N"
	run_in_fresh_ns "$tmp/nft" nft -f "$tmp/ruleset.nft"
done
grep apply_ms "$tmp/log" | awk '{print $4 * 1000}' >"$tmp/zw_inner"
grep apply_ms "$tmp/log" | awk '{print $6 * 1000}' >"$tmp/zw_user"
grep apply_ms "$tmp/log" | awk '{print $8 * 1000}' >"$tmp/zw_sys"
read -r um umin umax <<<"$(stats "$tmp/zw_user")"
read -r sm smin smax <<<"$(stats "$tmp/zw_sys")"
read -r zm zmin zmax <<<"$(stats "$tmp/zw")"
read -r nm nmin nmax <<<"$(stats "$tmp/nft")"
read -r im imin imax <<<"$(stats "$tmp/zw_inner")"
printf 'apply %d tuples, %d rounds interleaved, fresh namespace each (wall ms, median [min-max]):\n' "$N" "$ROUNDS"
printf '  zonewall (netlink, build+apply) %8.1f [%.1f-%.1f]   of which apply only %.1f [%.1f-%.1f]\n' \
	"$zm" "$zmin" "$zmax" "$im" "$imin" "$imax"
printf '  nft -f (same ruleset as text)   %8.1f [%.1f-%.1f]\n' "$nm" "$nmin" "$nmax"
printf '  zonewall CPU: user %.1f [%.1f-%.1f] (model, batch: ours), system %.1f [%.1f-%.1f] (the kernel taking the batch)\n' \
	"$um" "$umin" "$umax" "$sm" "$smin" "$smax"
awk -v a="$nm" -v b="$zm" 'BEGIN {printf "  ratio nft -f / zonewall: %.1fx (target >= 10x)\n", a / b}'
# what the ratio would be if our user space cost nothing at all: the rest
# is the kernel, process start, namespace entry, and the socket's close
awk -v a="$nm" -v b="$zm" -v u="$um" 'BEGIN {printf "  ceiling with zero user time: %.1fx\n", a / (b - u)}'

ip netns add "$ns"
printf 'incremental: %d new elements into the %d-element set, then removed (50 rounds):\n  ' "$M" "$N"
ip netns exec "$ns" "$drv" update "$N" "$M" 50
ip netns del "$ns"
