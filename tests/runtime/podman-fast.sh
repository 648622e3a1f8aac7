#!/bin/bash
# A restarted Podman container's new addresses from the kernel, before its
# inspect answers (src/runtime/runtime-fast.c): Podman gives a restarted container
# a new namespace, MAC and address, and answers the inspect only once the
# start has released the container's lock.  `zonewall containers --watch`
# must report each start of a container it saw stop twice: first from the
# kernel ("addresses_from": "kernel"), then confirmed by the inspect, both
# with the addresses podman inspect reports (the witness), on a plain IPv4
# network and on a container attached to two networks, one dual-stack.
# A container the watch never saw running gets no provisional row, nor
# does one on the host's network; a pod's member waits for its inspect.
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
rt_podman_up || tap_skip_all "podman cannot run here: $RT_WHY"
n1=${RT_TAG}f1 n2=${RT_TAG}f2 a=$RT_TAG-a b=$RT_TAG-b c=$RT_TAG-c
"$PODMAN" network create "$n1" >/dev/null || tap_skip_all "podman network create failed"
rt_on_cleanup "'$PODMAN' network rm -f '$n1'"
v6=1
if "$PODMAN" network create --ipv6 "$n2" >/dev/null 2>&1; then
	rt_on_cleanup "'$PODMAN' network rm -f '$n2'"
else
	v6=0
	"$PODMAN" network create "$n2" >/dev/null || tap_skip_all "podman network create failed"
	rt_on_cleanup "'$PODMAN' network rm -f '$n2'"
fi
rt_on_cleanup "'$PODMAN' rm -f -t 0 '$a' '$b' '$c'"
"$PODMAN" run -d --init --name "$a" --network "$n1" "$RT_IMAGE" sleep 100000 >/dev/null &&
	"$PODMAN" run -d --init --name "$b" --network "$n1" --network "$n2" "$RT_IMAGE" sleep 100000 >/dev/null ||
	tap_skip_all "podman cannot run containers here"
rt_watch_start "podman://$PODMAN_SOCK" || tap_bail "zonewall containers --watch did not sync"

# inspect_addrs NAME: "ipv4s ipv6s" as podman inspect has them, sorted
inspect_addrs() {
	"$PODMAN" inspect "$1" | jq -r '.[0].NetworkSettings.Networks | [([.[] | .IPAddress | select(. != "")] | sort | join(",")),
		([.[] | .GlobalIPv6Address | select(. != "")] | sort | join(","))] | join(" ")'
}
# rows NAME FILTER: the watch's start rows of NAME matching FILTER, as "ipv4s ipv6s"
rows() {
	jq -r -s --arg n "$1" "[.[] | select(.name == \$n and .event == \"container start\") | select($2)] |
		.[] | [(.ipv4 | sort | join(\",\")), (.ipv6 | sort | join(\",\"))] | join(\" \")" "$RT_WATCH_OUT"
}
# restart_check NAME ROUND WHAT: stop, start, then ROUND provisional and confirmed rows
restart_check() {
	local name=$1 round=$2 what=$3 want
	"$PODMAN" stop -t 0 "$name" >/dev/null && "$PODMAN" start "$name" >/dev/null
	want=$(inspect_addrs "$name")
	wait_for 10 sh -c "[ \$(jq -s --arg n '$name' '[.[] | select(.name == \$n and .confirms)] | length' '$RT_WATCH_OUT') -ge $round ]"
	tap_ok $? "$what: the start's inspect answered (round $round)"
	tap_is "$(rows "$name" '.addresses_from == "kernel"' | sed -n "${round}p")" "$want" \
		"$what: reported from the kernel first, with podman inspect's addresses ($want)"
	tap_is "$(rows "$name" '.confirms' | sed -n "${round}p")" "$want" \
		"$what: then confirmed by its inspect, the same"
}
restart_check "$a" 1 "one IPv4 network"
restart_check "$a" 2 "one IPv4 network, again"
if [ $v6 = 1 ]; then
	restart_check "$b" 1 "two networks, one dual-stack"
	tap_ok "$([[ $(inspect_addrs "$b") == *" "?* ]]; echo $?)" "the dual-stack network gave an IPv6 address"
else
	restart_check "$b" 1 "two networks (podman here made no IPv6 network)"
	tap_skip "podman network create --ipv6 failed here"
fi
tap_is "$(jq -s '[.[] | select(.event == "warning")] | length' "$RT_WATCH_OUT")" 0 \
	"no warning (an inspect disagreeing with the kernel would be one)"
tap_is "$(jq -s '[.[] | select(.kernel_read_missed)] | length' "$RT_WATCH_OUT")" 0 \
	"no start missed the kernel read ($(jq -s -c '[.[] | select(.kernel_read_missed) | .kernel_read_missed]' "$RT_WATCH_OUT"))"

# a container first started under the watch: nothing known to read the kernel with
"$PODMAN" run -d --init --name "$c" --network "$n1" "$RT_IMAGE" sleep 100000 >/dev/null
wait_for 10 rt_watch_has "(.name == \"$c\") and .event == \"container start\" and .state == \"running\""
tap_ok $? "a new container's start is reported"
tap_is "$(rows "$c" '.addresses_from == "kernel" or .kernel_read_missed' | wc -l)" 0 \
	"without a provisional row, nor a miss (nothing to read the kernel with: its inspect tells all)"
restart_check "$c" 1 "that container restarted"
# a container that exits at once when restarted: its inspect may answer
# "exited" after the kernel read; that is no disagreement (no warning)
q=$RT_TAG-q
rt_on_cleanup "'$PODMAN' rm -f -t 0 '$q'"
"$PODMAN" run -d --init --name "$q" --network "$n1" "$RT_IMAGE" \
	sh -c '[ -e /ran ] && exit 0; touch /ran; exec sleep 100000' >/dev/null
wait_for 10 rt_watch_has "(.name == \"$q\") and .event == \"container start\" and .state == \"running\" and (.ipv4 | length) == 1"
"$PODMAN" stop -t 0 "$q" >/dev/null && "$PODMAN" start "$q" >/dev/null
wait_for 10 rt_watch_has "(.name == \"$q\") and .state == \"exited\" and .event == \"container die\""
tap_ok $? "a container exiting right after its restart: its exit followed"
tap_is "$(jq -s '[.[] | select(.event == "warning")] | length' "$RT_WATCH_OUT")" 0 \
	"no warning ($(jq -s -c '[.[] | select(.event == "warning") | .message]' "$RT_WATCH_OUT" | head -c 300))"

# a container on the host's network: no namespace of its own to read
hn=$RT_TAG-h
rt_on_cleanup "'$PODMAN' rm -f -t 0 '$hn'"
"$PODMAN" run -d --init --name "$hn" --network host "$RT_IMAGE" sleep 100000 >/dev/null &&
	"$PODMAN" stop -t 0 "$hn" >/dev/null && "$PODMAN" start "$hn" >/dev/null
wait_for 10 sh -c "[ \$(jq -s --arg n '$hn' '[.[] | select(.name == \$n and .event == \"container start\")] | length' '$RT_WATCH_OUT') -ge 2 ]"
tap_ok $? "a host-network container's two starts are reported"
tap_is "$(jq -s --arg n "$hn" '[.[] | select(.name == $n and (.addresses_from or .kernel_read_missed))] | length' "$RT_WATCH_OUT")" 0 \
	"without a provisional row or a miss (it has no bridge port: the kernel is not asked)"

# a pod: the infra container holds the namespace and its address, which
# podman reports for the pod's other containers too.  The infra's restart is
# read from the kernel; a member's is not (the address is the infra's) and
# waits for its inspect, the miss naming the holder.
pod=${RT_TAG}pod pm=$RT_TAG-pm
rt_on_cleanup "'$PODMAN' pod rm -f -t 0 '$pod'"
if "$PODMAN" pod create --name "$pod" --network "$n1" >/dev/null 2>&1 &&
	"$PODMAN" run -d --pod "$pod" --name "$pm" "$RT_IMAGE" sleep 100000 >/dev/null 2>&1; then
	infra=$("$PODMAN" pod inspect "$pod" | jq -r '.InfraContainerID // .[0].InfraContainerID' | cut -c1-12)
	wait_for 10 rt_watch_has "(.name == \"$pm\") and .state == \"running\" and (.ipv4 | length) == 1"
	"$PODMAN" pod stop -t 0 "$pod" >/dev/null && "$PODMAN" pod start "$pod" >/dev/null
	want=$(inspect_addrs "$pm")
	wait_for 10 rt_watch_has "(.name == \"$pm\") and .event == \"container start\" and .kernel_read_missed != null"
	tap_is "$(jq -s -r --arg id "$infra" '[.[] | select(.id == $id and .addresses_from == "kernel")] | length > 0' "$RT_WATCH_OUT")" true \
		"a pod's infra container restarted: read from the kernel"
	tap_ok "$(jq -s -r --arg n "$pm" '[.[] | select(.name == $n and .kernel_read_missed) | .kernel_read_missed][-1]' "$RT_WATCH_OUT" |
		grep -q "infra"; echo $?)" "its member waited for its inspect: the address is the infra's ($(jq -s -r --arg n "$pm" '[.[] | select(.name == $n and .kernel_read_missed) | .kernel_read_missed][-1]' "$RT_WATCH_OUT"))"
	tap_is "$(rows "$pm" 'true' | tail -1)" "$want" "and got the pod's address from it ($want)"
else
	for i in 1 2 3; do tap_skip "podman cannot make a pod here"; done
fi
rt_stop_pid "$RT_WATCH_PID"

# --no-fast-start: the restart waits for its inspect, one row
rt_watch_start "podman://$PODMAN_SOCK" --no-fast-start || tap_bail "zonewall containers --watch --no-fast-start did not sync"
"$PODMAN" stop -t 0 "$a" >/dev/null && "$PODMAN" start "$a" >/dev/null
want=$(inspect_addrs "$a")
wait_for 10 rt_watch_has "(.name == \"$a\") and .event == \"container start\""
tap_is "$(rows "$a" 'true')" "$want" "--no-fast-start: one start row, from the inspect ($want)"
tap_is "$(jq -s '[.[] | select(.addresses_from or .confirms or .kernel_read_missed)] | length' "$RT_WATCH_OUT")" 0 \
	"--no-fast-start: nothing read from the kernel"
rt_stop_pid "$RT_WATCH_PID"
tap_done
