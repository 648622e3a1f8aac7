#!/bin/bash
# Interface names that reach the ruleset, on a real kernel: in a
# private namespace with bridges named br*, q"b, a\b, * and x\*, zonewall
# apply (and zonewalld in monitor mode) put every one of them, byte for
# byte, in set bridges -- none is left out to be waved through as "not
# container traffic".  zonewall compile writes the names nft can read back
# ("br\*" for br*, not the wildcard "br*") and refuses, naming it, a bridge
# nft's text cannot carry; --bridge refuses names Linux could not have.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
for t in nft jq; do command -v $t >/dev/null || tap_skip_all "needs $t"; done

host="${NS_TAG}h" scratch="${NS_TAG}s"
ns_add "$host" && ns_add "$scratch" || tap_bail "cannot create namespaces"
tmp=$(mktemp -d)
chmod 0700 "$tmp"
on_cleanup "rm -rf '$tmp'"
policy=$top_srcdir/tests/golden/policy/ok/minimal.json
H() { ip netns exec "$host" "$@"; }

names=('br*' 'q"b' 'a\b' '*' 'x\*')	# x\*: nft drops a backslash before a final \*
printable=('br*' 'a\b' '*')		# what nft's text can carry
for n in "${names[@]}"; do
	H ip link add "$n" type bridge || tap_skip_all "the kernel refuses a bridge named $n"
done

# the names in nft's own listing of a set, one a line, sorted (none holds a newline)
elems() { ip netns exec "$1" nft -j list set inet zonewall bridges |
	jq -r '.nftables[] | .set? | select(.) | .elem[]' | LC_ALL=C sort; }
sorted() { printf '%s\n' "$@" | LC_ALL=C sort; }

# --- apply: every bridge, byte for byte ----------------------------------------------
run_cmd H "$ZONEWALL" apply "$policy" --runtime none
tap_is "$rc" 0 "apply with bridges named ${names[*]}: $err"
tap_is "$(elems "$host")" "$(sorted "${names[@]}")" \
	"the kernel's set bridges holds each name exactly (nft -j)"
tap_is "$(H nft --debug=netlink list set inet zonewall bridges | grep -c '^	element 002a7262 00000000 00000000 00000000 ')" 1 \
	"br* is the bytes b r * and zero padding: a name, not a prefix"
tap_is "$(H nft -j list set inet zonewall bridges | jq -c '.nftables[] | .set? | select(.) | .flags // []')" "[]" \
	"the set has no interval flag: nothing in it can be a wildcard"

# --- compile: names nft reads back, or a refusal naming the bridge ----------------------
args=()
for n in "${printable[@]}"; do args+=(--bridge "$n"); done
run_cmd H "$ZONEWALL" compile "$policy" --runtime none "${args[@]}"
tap_is "$rc/$err" "0/" "compile of ${printable[*]}"
printf '%s\n' "$out" >"$tmp/printable.nft"
tap_ok "$(grep -qF '"br\*"' "$tmp/printable.nft" && grep -qF '"\*"' "$tmp/printable.nft" &&
	! grep -qF '"br*"' "$tmp/printable.nft"; echo $?)" 'the text writes br* as "br\*" and * as "\*"'
ip netns exec "$scratch" nft -f "$tmp/printable.nft"
tap_ok $? "nft -f takes the text"
tap_is "$(elems "$scratch")" "$(sorted "${printable[@]}")" \
	"and reads back the same names: the text round-trips"

for n in 'q"b' 'x\*'; do
	q=${n//\\/\\\\}
	q=\"${q//\"/\\\"}\"
	run_cmd H "$ZONEWALL" compile "$policy" --runtime none --bridge "$n"
	tap_ok "$([ "$rc" = 2 ] && [ -z "$out" ] &&
		grep -qF "container bridge $q: interface name $q (set bridges) cannot be written in nft's text" <<<"$err"
		echo $?)" "compile --bridge $n: refused, naming it as $q: $err"
done
run_cmd H "$ZONEWALL" compile "$policy" --runtime none
tap_ok "$([ "$rc" = 2 ] && [ -z "$out" ] && grep -q "cannot be written in nft's text" <<<"$err"; echo $?)" \
	"compile of every bridge: refused, not printed without one: $err"

# --- --bridge: names Linux cannot have are usage errors, shown escaped -----------------
for n in $'a\nb' 'a:b' 'a/b' '' '0123456789abcdef' '..'; do
	run_cmd H "$ZONEWALL" compile "$policy" --runtime none --bridge "$n"
	tap_ok "$([ "$rc" = 2 ] && [ -z "$out" ] &&
		head -1 <<<"$err" | grep -q '^zonewall compile: --bridge ".*": not an interface name'
		echo $?)" "--bridge $(printf %q "$n"): usage error on one line: $(head -1 <<<"$err")"
done
run_cmd H "$ZONEWALL" apply "$policy" --runtime none --bridge $'a\nb'
tap_ok "$([ "$rc" = 2 ] && grep -qF -- '--bridge "a\nb": not an interface name' <<<"$err"; echo $?)" \
	"apply --bridge with a newline: the same usage error"

# --- zonewalld in monitor mode starts, and guards them all ----------------------------------
if [ -x "$ZONEWALLD" ]; then
	H nft delete table inet zonewall
	install -m 0600 "$policy" "$tmp/policy.json"
	printf '%s\n' "mode = monitor" "runtime = none" "policy = $tmp/policy.json" \
		"state_dir = $tmp/state" "audit_log = $tmp/state/audit.log" \
		"control_socket = $tmp/zwd.sock" "log = stderr" >"$tmp/zwd.conf"
	chmod 0600 "$tmp/zwd.conf"
	ip netns exec "$host" "$ZONEWALLD" --foreground -c "$tmp/zwd.conf" 2>"$tmp/zwd.log" &
	on_cleanup "kill $!"
	wait_for 10 H nft list set inet zonewall bridges
	tap_ok $? "zonewalld in monitor mode starts and installs its tables$(grep -m1 snapshot "$tmp/zwd.log")"
	tap_is "$(elems "$host" 2>/dev/null)" "$(sorted "${names[@]}")" "and its set bridges holds every name"
else
	tap_skip "zonewalld not built"
fi

tap_done
