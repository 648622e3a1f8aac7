#!/bin/bash
# Faults in the middle of a write: the disk filling up, and a writer killed
# with SIGKILL halfway through.  Either way the file keeps its old content,
# byte for byte, and the next write leaves no temporary file behind.
#   - a policy on a tmpfs too small for the new version: approve exits 1
#     naming the error, the policy is byte-identical, no temporary file;
#   - approve into a 100,000-rule policy killed (SIGKILL) while its
#     temporary file is being written: the policy is byte-identical, the
#     dead writer's temporary file is there, and the next approve removes
#     it and writes;
#   - SIGTERM, SIGINT or SIGHUP while the temporary file is written are held
#     back: the new policy is whole and no temporary file is left.
. "$(dirname "$0")/../lib/common.sh"

[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"

fix=$top_srcdir/tests/golden/files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZONEWALL_NOW=2026-01-10T12:00:00Z
ids=($(jq -r '.edges[].id' "$fix/ten-edges.json"))

# --- disk full ------------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir "$tmp/small"
	out=$(unshare -m bash -c '
		set -e
		mount -t tmpfs -o size=16k tmpfs "$1"
		cp "$2" "$1/p.json"
		cp "$2" "$1/orig.json"
		# leave less room than the new policy takes
		head -c $((16384 - 2 * $(stat -c %s "$2") - 1024)) /dev/zero >"$1/filler" 2>/dev/null || true
		rc=0
		"$3" approve "$4" --policy "$1/p.json" --all >"$1/../stdout" 2>"$1/../stderr" || rc=$?
		echo "rc=$rc"
		cmp -s "$1/p.json" "$1/orig.json" && echo same
		ls -A "$1" | grep -c zwtmp || true
	' _ "$tmp/small" "$fix/policy.json" "$ZONEWALL" "$fix/ten-edges.json" 2>&1)
	tap_ok "$(grep -q '^rc=1$' <<<"$out"; echo $?)" "disk full: approve exits 1 ($(head -1 "$tmp/stderr"))"
	tap_ok "$(grep -q 'No space left on device' "$tmp/stderr"; echo $?)" "naming the error"
	tap_ok "$(grep -qx same <<<"$out"; echo $?)" "the policy is byte-identical"
	tap_is "$(tail -1 <<<"$out")" 0 "no temporary file is left"
	tap_is "$(cat "$tmp/stdout")" "" "and nothing said it was added"
else
	for i in 1 2 3 4 5; do tap_skip "disk full: needs root for a private tmpfs"; done
fi

# --- SIGKILL halfway --------------------------------------------------------------------
# a large policy: the lan zone's rules padded to 100,000 (about 8 MB to write)
jq '.allow = [range(100000) | {from: "pad-\(.)", to: "pad-sink", proto: "tcp", port: (1 + . % 60000)}]' \
	"$fix/policy.json" >"$tmp/big.json"
cp "$tmp/big.json" "$tmp/big.orig"
"$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/big.json" --edge "${ids[0]}" \
	>/dev/null 2>&1 &
pid=$!
started() { compgen -G "$tmp/.big.json.zwtmp.*" >/dev/null; }
deadline=$((SECONDS + 30))
until started || ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; do :; done
if started; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	tap_ok "$(cmp -s "$tmp/big.json" "$tmp/big.orig"; echo $?)" \
		"killed while writing: the policy is byte-identical"
	tap_ok "$(started; echo $?)" "the dead writer's temporary file is there"
	run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/big.json" --edge "${ids[0]}"
	tap_is "$rc" 0 "the next approve succeeds"
	tap_ok "$(! started; echo $?)" "and removes the dead writer's temporary file"
	tap_is "$(jq '.allow | length' "$tmp/big.json")" 100001 "with its rule added"
else
	wait "$pid"
	for i in 1 2 3 4 5; do tap_skip "the write ended before it could be caught"; done
fi

# --- SIGTERM, SIGINT, SIGHUP halfway: held back until the file is whole ------------------
for sig in TERM INT HUP; do
	cp "$tmp/big.orig" "$tmp/big.json"
	"$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/big.json" --edge "${ids[1]}" \
		>/dev/null 2>&1 &
	pid=$!
	deadline=$((SECONDS + 30))
	until started || ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; do :; done
	caught=$(started && echo yes)
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	n=$(jq '.allow | length' "$tmp/big.json" 2>/dev/null)
	if [ -n "$caught" ]; then
		tap_ok "$([ "$n" = 100001 ] && ! started; echo $?)" \
			"SIG$sig while writing: the new policy whole ($n rules), no temporary file"
	else
		tap_skip "SIG$sig: the write ended before it could be caught"
	fi
done
tap_done
