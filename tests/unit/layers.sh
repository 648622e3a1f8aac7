#!/bin/bash
# The layer order of src/: a file may include the headers of its own room
# and of the rooms below it, never of a room above (the data flows one way;
# an include against the order is how an import circle starts).  A header
# include/zonewall/NAME.h belongs to the room of src/*/NAME.c.  Also: every
# .c under src/ is in a known room, no room file includes tools/ headers,
# and no source file grows past 800 lines (split it along a seam instead).
. "$(dirname "$0")/../lib/common.sh"
cd "$top_srcdir" || tap_bail "no $top_srcdir"

rooms=(lib net capture flows model runtime learn compile report host nft fleet daemon)
declare -A layer=()
for i in "${!rooms[@]}"; do layer[${rooms[i]}]=$i; done

declare -A owner=()
unknown=()
for f in src/*/*.c; do
	room=${f#src/}
	room=${room%%/*}
	[ -n "${layer[$room]:-}" ] || unknown+=("$f")
	owner[$(basename "$f" .c)]=$room
done
tap_is "${unknown[*]:-}" "" "every source file is in a known room (${rooms[*]})"
tap_is "$(ls src/*.c 2>/dev/null)" "" "no source file outside a room"

# includes FILE: the zonewall headers FILE includes, one per line
includes() { sed -n 's|^#include "zonewall/\([a-z0-9-]*\)\.h".*|\1|p' "$1"; }

bad=()
check() {	# check FILE ROOM
	local h
	for h in $(includes "$1"); do
		if [ -z "${owner[$h]:-}" ]; then
			bad+=("$1: zonewall/$h.h has no src/*/$h.c")
		elif [ "${layer[${owner[$h]}]}" -gt "${layer[$2]}" ]; then
			bad+=("$1 ($2) includes zonewall/$h.h (${owner[$h]})")
		fi
	done
}
for f in src/*/*.c src/*/*.h; do
	[ -e "$f" ] || continue
	room=${f#src/}
	room=${room%%/*}
	[ -n "${layer[$room]:-}" ] && check "$f" "$room"
done
for f in include/zonewall/*.h; do
	h=$(basename "$f" .h)
	[ -n "${owner[$h]:-}" ] && check "$f" "${owner[$h]}"
done
tap_is "$(printf '%s\n' "${bad[@]}" | sed '/^$/d')" "" "no include against the layer order"
tap_is "$(grep -l '#include "\.\./\|#include "cli\|#include "zwd' src/*/*.[ch] 2>/dev/null)" "" \
	"no room includes the programs' headers"
# The daemon's files call down only, in this order (a call up is a circle:
# the modes report back through zwd-pending.c, never into the command
# table): a function a file exports (defined at the start of a line, not
# static) may be called only from files above it.
zwd_order=(zwd-log zwd-rt zwd-pending zwd-learn zwd-enforce-snap zwd-enforce-denied
	zwd-enforce-stats zwd-enforce zwd-enforce-reload zwd-mode zwd-fleet-worker zwd-fleet zwd-ctl
	zonewalld)
declare -A zwd_rank=()
for i in "${!zwd_order[@]}"; do zwd_rank[${zwd_order[i]}]=$i; done
tap_is "$(ls tools/zonewalld/*.c | xargs -n1 basename | sed 's/\.c$//' |
	while read -r f; do [ -n "${zwd_rank[$f]:-}" ] || echo "$f"; done)" "" \
	"every zonewalld file has its place in the call order (${zwd_order[*]})"
up=()
for f in "${zwd_order[@]}"; do
	for fn in $(sed -n 's/^[a-z][^;(]*[ *]\(zwd_[a-z0-9_]*\)(.*/\1/p' "tools/zonewalld/$f.c"); do
		for g in "${zwd_order[@]}"; do
			[ "${zwd_rank[$g]}" -lt "${zwd_rank[$f]}" ] || continue
			grep -q "\b$fn(" "tools/zonewalld/$g.c" && up+=("$g.c calls $fn() of $f.c")
		done
	done
done
tap_is "$(printf '%s\n' "${up[@]}" | sed '/^$/d')" "" "zonewalld's files call down only"
big=$(wc -l src/*/*.c src/*/*.h include/zonewall/*.h tools/*/*.[ch] |
	awk '$2 != "total" && $1 > 800 {print $2 " " $1}')
tap_is "$big" "" "no source file over 800 lines"
tap_done
