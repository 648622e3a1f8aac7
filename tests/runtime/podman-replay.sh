#!/bin/bash
# Podman's file event logger rotates its log (events_logfile_max_size) by
# keeping the newer half, and its API service then streams that half again:
# old events a second time.  The mapper must not apply them (src/runtime/event-order.c):
# a replayed "died" would take a running container's addresses.  Here a
# private containers.conf (this host's, plus a private events log that
# rotates at 16 KiB) drives a private API service; container x is stopped
# and started just before `zonewall containers --watch` connects (within a
# second: a whole-second stamp's margin once let such a start back in as
# news when the rotation replayed it, seconds late), with the log padded
# so that the first rotation keeps x's restart; then y churns until the
# log rotates.  The witness is the watch output: no row at all for x, and
# exactly one "start" row per start of y.  Twice at once: with
# the API's stream only, and following the log file itself beside it (the
# rotation seen in the file as well as replayed by the stream).
. "$(dirname "$0")/../lib/runtime.sh"
rt_require
[ -x "$PODMAN" ] || tap_skip_all "podman not installed"
base=/etc/containers/containers.conf
conf=$RT_DIR/containers.conf
log=$RT_DIR/events.log
add="events_logfile_path = \"$log\"\nevents_logfile_max_size = \"16k\""
if grep -q '^\[engine\]' "$base" 2>/dev/null; then
	sed "/^\[engine\]/a $add" "$base" >"$conf"
else
	{ cat "$base" 2>/dev/null; printf '[engine]\n%b\n' "$add"; } >"$conf"
fi
export CONTAINERS_CONF=$conf	# the service and every podman command below
rt_podman_up || tap_skip_all "podman cannot run here: $RT_WHY"
x=${RT_TAG}-x y=${RT_TAG}-y
for c in "$x" "$y"; do rt_on_cleanup "$PODMAN rm -f -t 0 $c"; done
"$PODMAN" run -d --network none --name "$x" "$RT_IMAGE" sleep 100000 >/dev/null &&
	s0=$(stat -c %s "$log") && "$PODMAN" stop -t 0 "$x" >/dev/null && "$PODMAN" start "$x" >/dev/null ||
	tap_skip_all "podman cannot run containers here"
[ -s "$log" ] || tap_skip_all "podman wrote no events to $log (events_logfile_path unsupported?)"
# Pad the log (no client streams yet; no container changes meanwhile) so
# that x's next restart ends it near 15,500 bytes: the first events after
# it rotate the log at 16 KiB, keeping the newer half, x's restart in it.
per=$(($(stat -c %s "$log") - s0))
pad='{"Name":"zonewall-test-padding","Status":"log-rotation","Time":"2026-01-01T00:00:00Z","Type":"system","Attributes":null}'
: >"$log"
while [ $(($(stat -c %s "$log") + ${#pad} + 1 + per)) -lt 15500 ]; do printf '%s\n' "$pad" >>"$log"; done
"$PODMAN" stop -t 0 "$x" >/dev/null && "$PODMAN" start "$x" >/dev/null || tap_bail "cannot restart $x"
rt_watch_spawn "podman://$PODMAN_SOCK" --event-log none
out_stream=$RT_WATCH_OUT
rt_watch_spawn "podman://$PODMAN_SOCK" --event-log "$log"
out_log=$RT_WATCH_OUT
wait_for 15 grep -q '"event": *"synced"' "$out_stream" || tap_bail "zonewall containers --watch did not sync"
wait_for 15 grep -q '"event": *"synced"' "$out_log" || tap_bail "zonewall containers --watch --event-log did not sync"
# a log the service does not write (a wrong events_logfile_path): the
# stream's first event the log lacks makes the mapper give the log up
: >"$RT_DIR/other.log"; chmod 0600 "$RT_DIR/other.log"
rt_watch_start "podman://$PODMAN_SOCK" --event-log "$RT_DIR/other.log" ||
	tap_bail "zonewall containers --watch --event-log OTHER did not sync"
out_wrong=$RT_WATCH_OUT
printf 'not JSON\n' >>"$RT_DIR/other.log"	# skipped with a warning
"$PODMAN" run -d --network none --name "$y" "$RT_IMAGE" sleep 100000 >/dev/null ||
	tap_bail "cannot start $y"
starts=1 rotated=0 size=$(stat -c %s "$log")
for ((i = 0; i < 60 && rotated < 3; i++)); do
	"$PODMAN" stop -t 0 "$y" >/dev/null && "$PODMAN" start "$y" >/dev/null || break
	starts=$((starts + 1))
	now=$(stat -c %s "$log")
	# a rotation shrinks the file; a few more cycles let the replay arrive
	[ "$now" -lt "$size" ] || [ "$rotated" -gt 0 ] && rotated=$((rotated + 1))
	size=$now
done
[ "$rotated" -gt 0 ] || tap_skip_all "podman did not rotate its event log within $starts starts"
yid=$("$PODMAN" inspect -f '{{.Id}}' "$y" | cut -c1-12)
xid=$("$PODMAN" inspect -f '{{.Id}}' "$x" | cut -c1-12)
y_starts() { jq -s --arg id "$yid" '[.[] | select(.id == $id and .event == "container start")] | length' "$1"; }
# y_explain WATCH-OUTPUT: what the watcher and the engine's log each saw of
# y (a start missing or doubled is then told apart from one never written)
y_explain() {
	tap_diag "rows of y: $(jq -c -s --arg id "$yid" '[.[] | select(.id == $id) |
		[.time, .event, .via, (.superseded // false)]]' "$1")"
	tap_diag "y in the log now (the newer half): $(jq -c -s --arg n "$y" '[.[] |
		select(.Name == $n) | [.Time, .Status]]' "$log" 2>/dev/null)"
	tap_diag "watcher's stderr: $(head -c 600 "$1.err")"
}
tap_ok 0 "the event log rotated after $((starts - rotated + 1)) of $starts starts of y"
for out in "$out_stream" "$out_log"; do
	[ "$out" = "$out_stream" ] && how="stream only" || how="event log followed"
	# the last start has been read once its row is there (the replay came before it)
	wait_for 10 sh -c "[ \$(jq -s --arg id '$yid' '[.[] | select(.id == \$id and .event == \"container start\")] | length' '$out') -ge $starts ]"
	got=$(y_starts "$out")
	tap_is "$got" "$starts" "$how: exactly one start row per start of y: the replayed half is not applied again"
	[ "$got" = "$starts" ] || y_explain "$out"
	tap_is "$(jq -s --arg id "$xid" '[.[] | select(.id == $id)] | length' "$out")" 0 \
		"$how: no row for x: its events, older than the stream, are not applied (x still running: $("$PODMAN" inspect -f '{{.State.Status}}' "$x"))"
	tap_is "$(jq -s '[.[] | select(.event == "warning")] | length' "$out")" 0 \
		"$how: no warning ($(jq -c 'select(.event == "warning")' "$out" | head -c 300))"
done
tap_is "$(jq -s '[.[] | select(.event | startswith("container")) | .via] | unique | join(",")' -r "$out_stream")" \
	stream "stream only: every event from the stream"
tap_is "$(jq -s '[.[] | select(.event | startswith("container")) | .via] | unique | join(",")' -r "$out_log")" \
	"event log" "log followed: every event from the log, none from the stream (its copies recognised)"
wait_for 10 sh -c "[ \$(jq -s --arg id '$yid' '[.[] | select(.id == \$id and .event == \"container start\")] | length' '$out_wrong') -ge $starts ]"
tap_is "$(y_starts "$out_wrong")" "$starts" "a log that is not the service's: still one start row per start of y (from the stream)"
tap_is "$(jq -s '[.[] | select(.event == "warning") | .message | if test("did not have the API.s container") then "gave up" elif test("bad line skipped: invalid JSON") then "bad line" else . end] | join(",")' -r "$out_wrong")" \
	"bad line,gave up" "and two warnings: its bad line skipped, then the log given up ($(jq -c 'select(.event == "warning")' "$out_wrong" | head -c 400))"
tap_done
