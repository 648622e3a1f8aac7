#!/bin/bash
# The link monitor's bridge news (src/net/link.c), which decides when zonewalld
# re-reads the bridges: in a private namespace, a bridge that comes, is
# renamed or goes is news; ports joining and leaving it (which make the
# bridge itself send NEWLINKs) and other links are not.
. "$(dirname "$0")/../lib/netns.sh"
ns_require
drv=$top_builddir/tests/netns/linkmon-driver
[ -x "$drv" ] || tap_bail "build tests/netns/linkmon-driver first"
ns="${NS_TAG}m"
ns_add "$ns" || tap_bail "cannot create a namespace"
out=$(ip netns exec "$ns" "$drv" \
	"ip link add zwbr0 type bridge" \
	"ip link add zwv0 type veth peer name zwv1 && ip link set zwv0 master zwbr0 && ip link set zwv0 up && ip link set zwv1 up && ip link set zwbr0 up" \
	"ip link add zwx0 type veth peer name zwx1 && ip link set zwx0 up" \
	"ip link set zwbr0 down && ip link set zwbr0 name zwbr1" \
	"ip link set zwv0 nomaster && ip link del zwv0" \
	"ip link del zwbr1") || tap_bail "driver failed: $out"
step() { awk -v s="$1" -v f="$2" '$1 == s { for (i = 2; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$out"; }
tap_ok "$([ "$(step 1 bridge_news)" -ge 1 ]; echo $?)" "a new bridge is news"
tap_is "$(step 2 bridge_news)" 0 "a port joining (the bridge's own NEWLINKs) is not news"
tap_ok "$([ "$(step 2 seen)" -ge 3 ]; echo $?)" "... though the kernel did notify ($(step 2 seen) messages)"
tap_is "$(step 3 bridge_news)" 0 "a link outside any bridge is not news"
tap_ok "$([ "$(step 4 bridge_news)" -ge 1 ]; echo $?)" "a renamed bridge is news"
tap_is "$(step 5 bridge_news)" 0 "a port leaving is not news"
tap_ok "$([ "$(step 6 bridge_news)" -ge 1 ]; echo $?)" "a bridge that goes is news"
tap_done
