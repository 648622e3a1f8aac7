#!/bin/bash
# Nothing lost, nothing half-done: the writes of policies and
# proposals, and the reads of every input file.
#   - ten approves (learns, merges) of one file at once keep all ten updates
#     (the writer's lock around read-modify-write);
#   - approve prints "added" only once the policy is written: a closed pipe
#     cannot leave the lines printed and the file unwritten, and a failed
#     write prints none;
#   - a symbolic link is written through (it stays a link), owner, group and
#     mode stay, a hard-linked file is refused with nothing written;
#   - learn refuses an -o it cannot write before it reads any capture;
#   - the temporary file of a dead writer is removed by the next write;
#   - a FIFO given as an input is refused at once, by every command.
# Everything is generated here (a pcap, proposals) but two small fixtures.
. "$(dirname "$0")/../lib/common.sh"

[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"
command -v jq >/dev/null || tap_skip_all "needs jq"
command -v python3 >/dev/null || tap_skip_all "needs python3 (to write a pcap)"

fix=$top_srcdir/tests/golden/files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZONEWALL_NOW=2026-01-10T12:00:00Z

# gen_pcap FILE N: N UDP datagrams 10.0.0.1:40000 -> 10.0.0.2:1..N, one
# edge each for learn.
gen_pcap() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for port in range(1, int(sys.argv[2]) + 1):
    udp = struct.pack("!HHHH", 40000, port, 12, 0) + b"zwzw"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), port, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
    out.write(struct.pack("<IIII", 1767000000 + port, 0, len(frame), len(frame)) + frame)
EOF
}

rules() { jq '.allow | length' "$1"; }

# --- 1. concurrent writers ----------------------------------------------------------
cp "$fix/policy.json" "$tmp/p.json"
pids=()
for id in $(jq -r '.edges[].id' "$fix/ten-edges.json"); do
	"$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/p.json" --edge "$id" >/dev/null &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
tap_is "$fails" 0 "ten approves at once all exit 0"
tap_is "$(rules "$tmp/p.json")" 10 "and the policy holds all ten rules"

gen_pcap "$tmp/one.pcap" 1
pids=()
for i in $(seq 1 10); do
	"$ZONEWALL" learn -r "$tmp/one.pcap" -o "$tmp/acc.json" --run-id "run$i" >/dev/null &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
tap_is "$fails" 0 "ten learns into one proposal at once all exit 0"
tap_is "$(jq -c '[(.edges[0].runs | length), .edges[0].packets]' "$tmp/acc.json")" "[10,10]" \
	"and it keeps all ten runs and their packets"

for i in $(seq 0 9); do
	jq ".edges = [.edges[$i]]" "$fix/ten-edges.json" >"$tmp/in$i.json"
done
printf '{"version": 1, "edges": []}\n' >"$tmp/merged.json"
pids=()
for i in $(seq 0 9); do
	"$ZONEWALL" merge "$tmp/merged.json" "$tmp/in$i.json" -o "$tmp/merged.json" >/dev/null &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
tap_is "$fails/$(jq '.edges | length' "$tmp/merged.json")" "0/10" \
	"ten merges accumulating into one output at once keep all ten edges"

if command -v flock >/dev/null; then
	cp "$fix/policy.json" "$tmp/held.json"
	flock "$tmp/.held.json.zwlock" sleep 10 &
	holder=$!
	for _ in $(seq 50); do	# until flock(1) holds it
		flock -n "$tmp/.held.json.zwlock" true || break
		sleep 0.1
	done
	start=$SECONDS
	ZONEWALL_LOCK_WAIT=1 run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/held.json" --all
	tap_ok "$([ "$rc" = 1 ] && [ $((SECONDS - start)) -le 4 ] &&
		grep -q 'another writer.*held its lock for 1 s; nothing written' <<<"$err"; echo $?)" \
		"a writer held up too long gives up after the wait, saying so: $err"
	tap_ok "$(cmp -s "$fix/policy.json" "$tmp/held.json"; echo $?)" "and writes nothing"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
else
	tap_skip "no flock(1): cannot hold the lock from outside"
	tap_skip "no flock(1)"
fi

# --- 2. printed only once written ------------------------------------------------------
# 2000 "added" lines (150 kB) do not fit a pipe: a reader that stops at the
# first one ends approve with SIGPIPE while it prints.
gen_pcap "$tmp/many.pcap" 2000
"$ZONEWALL" learn -r "$tmp/many.pcap" -o "$tmp/many.json" --run-id r >/dev/null
tap_is "$(jq '.edges | length' "$tmp/many.json")" 2000 "a proposal of 2000 edges"
cp "$fix/policy.json" "$tmp/p2.json"
"$ZONEWALL" approve "$tmp/many.json" --policy "$tmp/p2.json" --all 2>/dev/null | head -1 >"$tmp/first"
st=${PIPESTATUS[0]}
first=$(cat "$tmp/first")
tap_ok "$([ "$st" = 0 ] || [ "$st" = 141 ]; echo $?)" "approve --all | head -1: exit 0 or SIGPIPE ($st)"
tap_is "$(rules "$tmp/p2.json")" 2000 "but the policy holds every rule printed as added"
tap_ok "$(grep -q '^added ' <<<"$first"; echo $?)" "head saw an added line: $first"

cp "$fix/policy.json" "$tmp/hard.json"
ln "$tmp/hard.json" "$tmp/hard-2.json"
run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/hard.json" --all
tap_is "$rc" 1 "a write that fails exits 1"
tap_is "$out" "" "and prints no added line"
tap_ok "$(grep -q "cannot write $tmp/hard.json: it has more than one hard link" <<<"$err"; echo $?)" \
	"a hard-linked policy is refused, saying why: $err"
tap_ok "$(cmp -s "$fix/policy.json" "$tmp/hard.json" && [ "$(stat -c %h "$tmp/hard.json")" = 2 ]; echo $?)" \
	"and stays as it was, both links"

# --- 3. what the file is stays ----------------------------------------------------------
mkdir -p "$tmp/checkout/policies" "$tmp/etc"
cp "$fix/policy.json" "$tmp/checkout/policies/p.json"
ln -s ../checkout/policies/p.json "$tmp/etc/l.json"
ln -s l.json "$tmp/etc/l2.json"
run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/etc/l2.json" --all
tap_is "$rc" 0 "approve through a chain of two symbolic links"
tap_ok "$([ -L "$tmp/etc/l2.json" ] && [ -L "$tmp/etc/l.json" ] &&
	[ "$(readlink "$tmp/etc/l.json")" = ../checkout/policies/p.json ]; echo $?)" \
	"the links are still links, to the same place"
tap_is "$(rules "$tmp/checkout/policies/p.json")" 10 "the file they lead to got the rules"
tap_is "$(ls -A "$tmp/etc")" "l.json
l2.json" "and nothing was left next to the links"

if [ "$(id -u)" = 0 ]; then
	cp "$fix/policy.json" "$tmp/owned.json"
	chown 65534:65534 "$tmp/owned.json"
	chmod 0640 "$tmp/owned.json"
	run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/owned.json" --all
	tap_is "$rc/$(rules "$tmp/owned.json")" "0/10" "root approves into a file owned by nobody"
	tap_is "$(stat -c '%u:%g %a' "$tmp/owned.json")" "65534:65534 640" \
		"which keeps its owner, group and mode"
	printf '{"version": 1, "edges": []}\n' >"$tmp/owned-p.json"
	chown 65534:65534 "$tmp/owned-p.json"
	chmod 0600 "$tmp/owned-p.json"
	"$ZONEWALL" merge "$tmp/owned-p.json" "$fix/ten-edges.json" -o "$tmp/owned-p.json" >/dev/null
	tap_is "$(stat -c '%u:%g %a' "$tmp/owned-p.json")/$(jq '.edges | length' "$tmp/owned-p.json")" \
		"65534:65534 600/10" "and so does a merged proposal"
else
	tap_skip "not root: cannot make a file owned by nobody"
	tap_skip "not root"
	tap_skip "not root"
fi

# --- 4. learn checks its output first -----------------------------------------------------
# The capture is a FIFO nobody writes: reading it would block until timeout.
mkfifo "$tmp/never.pcap"
start=$SECONDS
run_cmd timeout 5 "$ZONEWALL" learn -r "$tmp/never.pcap" -o "$tmp/nonexistent/d/p.json"
tap_is "$rc" 1 "learn -o into a missing directory fails at once, before reading the capture"
tap_is "$err" "zonewall learn: cannot write $tmp/nonexistent/d/p.json: directory $tmp/nonexistent/d: No such file or directory" \
	"naming the directory"
run_cmd timeout 5 "$ZONEWALL" learn -r "$tmp/never.pcap" -o "$tmp/hard.json"
tap_ok "$([ "$rc" = 1 ] && grep -q 'more than one hard link' <<<"$err"; echo $?)" \
	"and onto a hard-linked proposal too"
run_cmd timeout 5 "$ZONEWALL" learn -r "$tmp/never.pcap" -o "$tmp/checkout/policies"
tap_ok "$([ "$rc" = 1 ] && grep -q 'Is a directory' <<<"$err"; echo $?)" "and onto a directory: $err"
tap_ok "$([ $((SECONDS - start)) -le 3 ]; echo $?)" "all three at once"

# --- 5. temporary files ----------------------------------------------------------------------
cp "$fix/policy.json" "$tmp/t.json"
sh -c 'exit 0' &
dead=$!
wait "$dead"
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
printf 'half a pol' >"$tmp/.t.json.zwtmp.$dead"
printf 'in progress' >"$tmp/.t.json.zwtmp.$$"
run_cmd "$ZONEWALL" approve "$fix/ten-edges.json" --policy "$tmp/t.json" --edge "$(jq -r '.edges[0].id' "$fix/ten-edges.json")"
tap_is "$rc/$(rules "$tmp/t.json")" "0/1" "approve next to a dead writer's temporary file"
tap_ok "$([ ! -e "$tmp/.t.json.zwtmp.$dead" ]; echo $?)" "removes it (pid $dead is gone)"
tap_ok "$([ -e "$tmp/.t.json.zwtmp.$$" ]; echo $?)" "but not a live writer's"
rm -f "$tmp/.t.json.zwtmp.$$"
tap_is "$(find "$tmp" -name '*zwtmp*' -o -name '*.tmp*' | wc -l)" 0 "no temporary file left by any test here"

# --- 6. a FIFO as input -------------------------------------------------------------------------
mkfifo "$tmp/fifo"
P=$fix/policy.json E=$fix/ten-edges.json
while read -r c; do
	# shellcheck disable=SC2086 # the command line is split on purpose
	run_cmd timeout 1 "$ZONEWALL" $c
	tap_ok "$([ "$rc" != 124 ] && [ "$rc" != 0 ] && grep -q "$tmp/fifo: .*not a regular file" <<<"$err"; echo $?)" \
		"zonewall ${c//$tmp/TMP}: refused within a second, naming it"
done <<EOF
validate $tmp/fifo
review $tmp/fifo --policy $P
review $E --policy $tmp/fifo
diff $tmp/fifo $P
diff $P $tmp/fifo
export $tmp/fifo --format k8s
compile $tmp/fifo --runtime none
replay $tmp/fifo -r $tmp/one.pcap
replay $P -r $tmp/one.pcap --inventory $tmp/fifo
containers --inventory $tmp/fifo --runtime none
approve $E --policy $tmp/fifo --all
merge $tmp/fifo -o $tmp/m.json
learn -r $tmp/one.pcap --inventory $tmp/fifo -o $tmp/l.json
EOF
run_cmd timeout 1 "$ZONEWALLD" --check-config -c "$tmp/fifo"
tap_ok "$([ "$rc" = 2 ] && grep -q "$tmp/fifo: not a regular file" <<<"$err"; echo $?)" \
	"zonewalld --check-config -c FIFO: refused within a second, naming it"

# Past the limit of each kind of file (a policy or an inventory 256 MiB, a
# proposal 1 GiB): refused from the size, the limit named (sparse files:
# reading them would take the time this must not)
truncate -s 300M "$tmp/big.json"
truncate -s 1100M "$tmp/bigprop.json"
while read -r limit what; do
	run_cmd timeout 2 "$ZONEWALL" $what
	tap_ok "$([ "$rc" = 1 ] && grep -q "/big[a-z]*.json: cannot read: larger than $limit MiB, the most a" <<<"$err"; echo $?)" \
		"${what%% *} of a file past $limit MiB: refused at once, naming the limit"
done <<EOF
256 validate $tmp/big.json
1024 review $tmp/bigprop.json
256 replay $P -r $tmp/one.pcap --inventory $tmp/big.json
EOF

tap_done
