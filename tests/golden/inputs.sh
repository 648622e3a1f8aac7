#!/bin/bash
# Odd inputs say what is wrong (issue 17): every numeric flag goes through
# one parser with ranges that mean what they say, empty interface names are
# refused, capture records with impossible times are skipped (and such
# times refused in proposals and policies), -r - reads standard input,
# a file named twice is merged once, a UTF-8 BOM is read past, the wrong
# kind of file is named as such, and exclusive flags exclude each other.
. "$(dirname "$0")/../lib/common.sh"

[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"
command -v python3 >/dev/null || tap_skip_all "needs python3 (to write a pcap)"

fix=$top_srcdir/tests/golden/files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZONEWALL_NOW=2026-01-10T12:00:00Z

# gen_pcap FILE SECONDS...: one UDP datagram 10.0.0.1 -> 10.0.0.2:N per
# argument (the Nth at those seconds, written as the file's own unsigned
# 32 bits), little-endian microsecond pcap.
gen_pcap() {
	python3 - "$@" <<'PY'
import struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for port, sec in enumerate([int(x, 0) for x in sys.argv[2:]], 1):
    udp = struct.pack("!HHHH", 40000, port, 12, 0) + b"zwzw"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), port, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
    out.write(struct.pack("<IIII", sec, 0, len(frame), len(frame)) + frame)
PY
}

# usage_is DESCRIPTION WANT-ERR-FIRST-LINE CMD...: exit 2, that first line,
# nothing on stdout.
# Each refusal runs in a network namespace of its own (as root): should a
# refusal regress, apply would change a throwaway namespace, not this host.
private=()
[ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null || private=(unshare -n)
usage_is() {
	local what=$1 want=$2
	shift 2
	run_cmd timeout 5 "${private[@]}" "$@"
	tap_is "$rc|$out|${err%%$'\n'*}" "2||$want" "$what"
}

# --- 10, 12. numeric flags -------------------------------------------------------
usage_is "--log-group 0 refused (compile)" \
	"zonewall compile: --log-group 0: out of range (1..65535)" \
	"$ZONEWALL" compile "$fix/policy.json" --runtime none --log-group 0
usage_is "--log-group 0 refused (apply)" \
	"zonewall apply: --log-group 0: out of range (1..65535)" \
	"$ZONEWALL" apply "$fix/policy.json" --runtime none --log-group 0
usage_is "--log-group 65536 refused (denied)" \
	"zonewall denied: --log-group 65536: out of range (1..65535)" \
	"$ZONEWALL" denied --log-group 65536
usage_is "--log-group x refused" \
	"zonewall compile: --log-group wants a number in 1..65535, not 'x'" \
	"$ZONEWALL" compile "$fix/policy.json" --log-group x
run_cmd "$ZONEWALL" compile "$fix/policy.json" --runtime none --log-group 65535
tap_ok "$([ "$rc" = 0 ] && grep -q ' group 65535 ' <<<"$out" &&
	! grep -q ' group 4269 ' <<<"$out"; echo $?)" "--log-group 65535 is the group compiled"
run_cmd "$ZONEWALL" compile "$fix/policy.json" --runtime none
tap_ok "$(grep -q ' group 4269 ' <<<"$out"; echo $?)" "the default group is 4269"
usage_is "denied: --log-group listens on NFLOG here, so it excludes --socket" \
	"zonewall denied: --socket and --config follow zonewalld; --nflog, --inventory, --runtime and --log-group listen on NFLOG here" \
	"$ZONEWALL" denied --log-group 7 --socket "$tmp/none.sock"

for d in nan inf -0 -1 1e3 " 5" 0x10; do
	usage_is "flows --duration '$d' refused" \
		"zonewall flows: --duration wants seconds (e.g. 30 or 0.5), more than 0 and at most 31536000, not '$d'" \
		"$ZONEWALL" flows -i lo --duration "$d"
done
usage_is "flows --duration 0 refused: it would mean forever" \
	"zonewall flows: --duration 0: out of range (more than 0, at most 31536000 seconds)" \
	"$ZONEWALL" flows -i lo --duration 0
usage_is "learn --duration inf refused" \
	"zonewall learn: --duration wants seconds (e.g. 30 or 0.5), more than 0 and at most 31536000, not 'inf'" \
	"$ZONEWALL" learn -i lo --duration inf -o "$tmp/p.json"
usage_is "denied --duration 2147483648: out of range, naming the maximum" \
	"zonewall denied: --duration 2147483648: out of range (more than 0, at most 31536000 seconds)" \
	"$ZONEWALL" denied --duration 2147483648
usage_is "denied --count 0 refused" \
	"zonewall denied: --count 0: out of range (1..9223372036854775807)" \
	"$ZONEWALL" denied --count 0
usage_is "flows --limit 1.5 refused" \
	"zonewall flows: --limit wants a number in 1..1073741824, not '1.5'" \
	"$ZONEWALL" flows -r "$tmp/x.pcap" --limit 1.5
usage_is "apply --confirm-within 86401 refused" \
	"zonewall apply: --confirm-within 86401: out of range (1..86400)" \
	"$ZONEWALL" apply "$fix/policy.json" --confirm-within 86401

# --- 11. empty interface names ------------------------------------------------------
usage_is "flows -i '' refused" "zonewall flows: -i \"\": an empty interface name" \
	"$ZONEWALL" flows -i '' --duration 1
usage_is "learn -i , refused" "zonewall learn: -i \",\": an empty interface name" \
	"$ZONEWALL" learn -i , --duration 1 -o "$tmp/empty.json"
tap_ok "$([ ! -e "$tmp/empty.json" ]; echo $?)" "and learn writes no proposal"
usage_is "flows -i lo,,lo refused" "zonewall flows: -i \"lo,,lo\": an empty interface name" \
	"$ZONEWALL" flows -i lo,,lo --duration 1
usage_is "an interface name of 16 bytes refused" \
	"zonewall flows: -i \"abcdefghijklmnop\": not an interface name (1-15 bytes, no '/', ':' or white space)" \
	"$ZONEWALL" flows -i lo,abcdefghijklmnop --duration 1

# --- 19. an interface that does not exist -------------------------------------------
if [ "$(id -u)" = 0 ]; then
	run_cmd timeout 5 "$ZONEWALL" flows -i zwnosuch0 --duration 1
	tap_is "$rc|$out|$err" "1||zonewall flows: zwnosuch0: no such interface" \
		"flows -i on a missing interface: one line, no table, exit 1"
else
	tap_skip "not root: capture is refused before the interface is looked up"
fi

# --- 14. impossible capture times ---------------------------------------------------
gen_pcap "$tmp/times.pcap" 1767000000 0xffffffff 0x80000000 0xfffffffe
run_cmd "$ZONEWALL" flows -r "$tmp/times.pcap" -f json
tap_is "$rc|$(jq -c '[.[] | .port]' <<<"$out")" "0|[1]" \
	"records with negative or all-ones seconds are skipped, the good one kept"
tap_is "$err" "zonewall flows: warning: $tmp/times.pcap: 3 damaged records skipped: time before 1970 or after 2106-02-07 (negative or all-ones seconds)" \
	"and counted in one warning"
run_cmd "$ZONEWALL" learn -r "$tmp/times.pcap" -o "$tmp/times.json" --runtime none
tap_is "$rc|$(jq -c '[.edges[] | .last_seen]' "$tmp/times.json")" '0|["2025-12-29T09:20:00Z"]' \
	"learn keeps no time from the 26th century"
jq '.edges[0].last_seen = "2554-07-21T23:34:33Z"' "$tmp/times.json" >"$tmp/far.json"
run_cmd "$ZONEWALL" validate "$tmp/far.json"
tap_is "$rc|${err%%$'\n'*}" "2|$tmp/far.json: \$.edges[0].last_seen: expected a time from 1970 to 2106-02-07, got '2554-07-21T23:34:33Z'" \
	"validate refuses a proposal time in 2554, naming the field"
jq '.allow = [{"from": "lan", "to": "lan", "proto": "tcp", "port": 22,
	"approved_at": "1969-12-31T23:59:59Z"}]' "$fix/policy.json" >"$tmp/early.json"
run_cmd "$ZONEWALL" validate "$tmp/early.json"
tap_is "$rc|${err%%$'\n'*}" "2|$tmp/early.json: \$.allow[0].approved_at: expected a time from 1970 to 2106-02-07, got '1969-12-31T23:59:59Z'" \
	"and a policy time before 1970"

# --- 17. -r - is standard input -------------------------------------------------------
run_cmd "$ZONEWALL" flows -r "$tmp/times.pcap" -f json
want=$out
run_cmd "$ZONEWALL" flows -r - -f json <"$tmp/times.pcap"
tap_is "$rc|$out" "0|$want" "-r - reads a capture file on standard input"
out=$(cat "$tmp/times.pcap" | "$ZONEWALL" flows -r - -f json 2>"$tmp/err")
tap_is "$out" "$want" "and from a pipe"
tap_ok "$(grep -q '^zonewall flows: warning: standard input: 3 damaged' "$tmp/err"; echo $?)" \
	"naming it standard input"
usage_is "-r - twice refused" "zonewall flows: -r - (standard input) given twice" \
	"$ZONEWALL" flows -r - -r -

# --- 15. one file twice in merge ----------------------------------------------------
cp "$fix/ten-edges.json" "$tmp/a.json"
ln -s a.json "$tmp/link.json"
zw=$(cd "$(dirname "$ZONEWALL")" && pwd)/$(basename "$ZONEWALL")
pushd "$tmp" >/dev/null || tap_bail "cd $tmp"
run_cmd "$zw" merge a.json ./a.json -o o.json
popd >/dev/null || tap_bail "cd -"
tap_is "$rc|${err%%$'\n'*}" "2|zonewall merge: a.json and ./a.json are the same file: its evidence would count twice" \
	"merge a.json ./a.json refused"
run_cmd "$ZONEWALL" merge "$tmp/a.json" "$tmp/link.json" -o "$tmp/o.json"
tap_is "$rc|$([ -e "$tmp/o.json" ]; echo $?)" "2|1" "and a.json with a link to it, nothing written"
run_cmd "$ZONEWALL" merge "$tmp/a.json" -o "$tmp/o.json"
run_cmd "$ZONEWALL" merge "$tmp/o.json" "$tmp/a.json" -o "$tmp/o.json"
tap_is "$rc|$(jq '[.edges[].packets] | add' "$tmp/o.json")" \
	"0|$(jq '[.edges[].packets] | add * 2' "$fix/ten-edges.json")" \
	"OUTPUT listed as an input still accumulates"

# --- 18. a UTF-8 byte order mark ---------------------------------------------------------
printf '\xef\xbb\xbf' | cat - "$fix/policy.json" >"$tmp/bom-policy.json"
printf '\xef\xbb\xbf' | cat - "$fix/ten-edges.json" >"$tmp/bom-prop.json"
printf '\xef\xbb\xbf{"version": 1, "entries": []}\n' >"$tmp/bom-inv.json"
run_cmd "$ZONEWALL" validate "$tmp/bom-policy.json"
tap_is "$rc|$out" "0|$tmp/bom-policy.json: valid policy" "a policy with a BOM is read"
run_cmd "$ZONEWALL" validate "$tmp/bom-prop.json"
tap_is "$rc|$out" "0|$tmp/bom-prop.json: valid proposal" "a proposal with a BOM is read"
run_cmd "$ZONEWALL" review "$tmp/bom-prop.json" --policy "$tmp/bom-policy.json"
tap_is "$rc" 0 "review reads both"
run_cmd "$ZONEWALL" containers --runtime none --inventory "$tmp/bom-inv.json"
tap_is "$rc" 0 "an inventory with a BOM is read"
{ printf '\xef\xbb\xbf'; printf 'mode = learn\nstate_dir = %s/state\ncontrol_socket = %s/zwd.sock\n' "$tmp" "$tmp"; } \
	>"$tmp/bom.conf"
chmod 600 "$tmp/bom.conf"
run_cmd "$ZONEWALLD" --check-config -c "$tmp/bom.conf"
tap_is "$rc" 0 "a zonewalld.conf with a BOM is read"

# --- 13. zonewalld --check-config loads the policy ---------------------------------------
printf '{"version": 1, "zones": [\n' >"$tmp/broken-policy.json"
printf 'mode = enforce\npolicy = %s\nstate_dir = %s/state\ncontrol_socket = %s/zwd.sock\n' \
	"$tmp/broken-policy.json" "$tmp" "$tmp" >"$tmp/enforce.conf"
chmod 600 "$tmp/enforce.conf" "$tmp/broken-policy.json"
run_cmd "$ZONEWALLD" --check-config -c "$tmp/enforce.conf"
tap_is "$rc|$(grep -c . <<<"$err")" "1|2" "--check-config with a policy of invalid JSON: exit 1"
tap_ok "$(grep -q "^zonewalld: $tmp/broken-policy.json: \\$ (line 2, column 0): ']' expected" <<<"$err" &&
	grep -q "^zonewalld: $tmp/broken-policy.json: invalid policy: the daemon will refuse to start" <<<"$err"
	echo $?)" "naming the file, the problem and the consequence"
printf '{"version": 1, "default_zone": "lan", "zones": [{"name": "lan", "mode": "enforce"}], "allow": [{"from": "a", "to": "b", "from_zone": "nope", "to_zone": "lan", "proto": "tcp"}]}\n' \
	>"$tmp/broken-policy.json"
run_cmd "$ZONEWALLD" --check-config -c "$tmp/enforce.conf"
tap_ok "$([ "$rc" = 1 ] && grep -q "broken-policy.json: \\$.allow\[0\].from_zone: unknown zone" <<<"$err"; echo $?)" \
	"and with an invalid policy, naming the field"
cp "$fix/policy.json" "$tmp/broken-policy.json"
run_cmd "$ZONEWALLD" --check-config -c "$tmp/enforce.conf"
tap_is "$rc|$err" "0|" "a valid policy passes"

# --- 21. the wrong kind of file -------------------------------------------------------
run_cmd "$ZONEWALL" diff "$fix/ten-edges.json" "$fix/policy.json"
tap_is "$rc|$err" "2|zonewall diff: $fix/ten-edges.json is a proposal, not a policy" \
	"diff given a proposal says so in one line"
run_cmd "$ZONEWALL" review "$fix/policy.json"
tap_is "$rc|$err" "2|zonewall review: $fix/policy.json is a policy, not a proposal" \
	"review given a policy says so in one line"
cp "$fix/ten-edges.json" "$tmp/as-policy.json"
run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/as-policy.json" --all
tap_is "$rc|$err" "2|zonewall approve: $tmp/as-policy.json is a proposal, not a policy" \
	"approve --policy given a proposal"

# --- 22. --socket and --config exclude each other -----------------------------------------
for c in daemon-status reload confirm metrics denied; do
	usage_is "$c --socket X --config Y refused" \
		"zonewall $c: --socket and --config exclude each other" \
		"$ZONEWALL" "$c" --socket "$tmp/x.sock" --config "$tmp/bom.conf"
done

# --- status with nothing installed: exit 1, so scripts can tell -----------------------
if [ ${#private[@]} -gt 0 ]; then
	run_cmd "${private[@]}" "$ZONEWALL" status
	tap_ok "$([ "$rc" = 1 ] && grep -q '^tables: none (zonewall is not installed)' <<<"$out"; echo $?)" \
		"status where nothing is installed: says so, exit 1"
	run_cmd "${private[@]}" "$ZONEWALL" status --json
	tap_ok "$([ "$rc" = 1 ] && [ "$(jq -c .tables <<<"$out")" = "[]" ]; echo $?)" "and with --json"
	run_cmd "${private[@]}" "$ZONEWALL" denied --runtime none --duration 0.2
	tap_ok "$([ "$rc" = 1 ] && grep -q 'zonewall is not installed in this network namespace: nothing will be refused' <<<"$err"; echo $?)" \
		"denied where nothing is installed: says so, exit 1"
else
	tap_skip "denied: needs root for a private network namespace"
	tap_skip "status: needs root for a private network namespace"
	tap_skip "status --json: needs root for a private network namespace"
fi
tap_done
