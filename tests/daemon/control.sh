#!/bin/bash
# zonewalld's control socket, metrics port, privileges and shutdown, on a
# real daemon started in the foreground with temporary files.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require

port=$(zwd_free_port)
conf=$(zwd_conf ctl "metrics_listen = 127.0.0.1:$port")
zwd_start "$conf" || tap_bail "zonewalld did not start"
tap_ok 0 "zonewalld answers on its socket"
audit=$ZWD_DIR/state/audit.log

# --- requests that work -------------------------------------------------------
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q '"ok":true' <<<"$out" && grep -q '"pong":true' <<<"$out"; echo $?)" "ping: $out"

run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK" --json
tap_is "$rc" 0 "zonewall daemon-status exits 0"
tap_is "$(jq -r type <<<"$out")" object "daemon-status --json is one object"
tap_ok "$(grep -q "\"pid\": $ZWD_PID" <<<"$out" && grep -q '"mode": "learn"' <<<"$out"; echo $?)" \
	"status names the daemon's pid and mode"
run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK"
tap_ok "$(head -1 <<<"$out" | grep -q '^MODE.*PID.*UPTIME_S'; echo $?)" "status as a table"
tap_fits "$out" "daemon-status: the table fits 120 columns"
run_cmd "$ZONEWALL" denied --socket "$ZWD_SOCK" --duration 0.3
tap_ok "$([ "$rc" = 1 ] && grep -q 'runs in learn mode: it refuses nothing' <<<"$err"; echo $?)" \
	"denied beside a daemon in learn mode: nothing can be refused, says so, exit 1"

run_cmd "$ZONEWALL" metrics --socket "$ZWD_SOCK"
tap_is "$rc" 0 "zonewall metrics exits 0"
tap_ok "$(grep -q '^# TYPE zonewall_control_requests_total counter$' <<<"$out" &&
	grep -q '^zonewall_build_info{version="[^"]*",mode="learn"} 1$' <<<"$out"; echo $?)" \
	"metrics in the Prometheus text format"

# --- audited changes: reload over the socket and by SIGHUP --------------------
"$ZONEWALL" reload --socket "$ZWD_SOCK" >/dev/null 2>&1 &
cpid=$!
wait $cpid
tap_is "$?" 0 "zonewall reload exits 0"
last=$(tail -1 "$audit")
tap_ok "$(grep -q "\"uid\":$(id -u),\"pid\":$cpid,\"user\":\"$(id -un)\",\"via\":\"socket\",\"command\":\"reload\",\"outcome\":\"ok\"" <<<"$last"; echo $?)" \
	"reload audited with the client's uid, pid and name: $last"
tap_ok "$(grep -Eq '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z"' <<<"$last"; echo $?)" \
	"audit time is RFC 3339 UTC"

kill -HUP "$ZWD_PID"
wait_for 5 grep -q '"via":"signal"' "$audit"
last=$(tail -1 "$audit")
tap_ok "$(grep -q "\"pid\":$$,.*\"via\":\"signal\",\"command\":\"reload\",\"outcome\":\"ok\"" <<<"$last"; echo $?)" \
	"SIGHUP reload audited with the sender's pid: $last"

run_cmd "$ZONEWALL" confirm --socket "$ZWD_SOCK"
tap_is "$rc" 1 "confirm with nothing pending exits 1"
tap_ok "$(tail -1 "$audit" | grep -q '"command":"confirm","outcome":"failed"'; echo $?)" \
	"and is audited as failed"
tap_is "$(wc -l <"$audit")" 3 "three audit lines, one per change request"

# --- malformed requests: refused, daemon unharmed ------------------------------
zwd_ask 'this is not json'
tap_ok "$(grep -q '"code":"bad_json"' <<<"$out"; echo $?)" "garbage refused: $out"
zwd_ask '{"cmd":"format-disk"}'
tap_ok "$(grep -q '"code":"unknown_command"' <<<"$out"; echo $?)" "unknown command refused: $out"
zwd_ask '{"cmd":"denied","follow":"yes"}'
tap_ok "$(grep -q '"code":"bad_request".*must be a boolean' <<<"$out"; echo $?)" "wrong type refused: $out"
zwd_ask '{"cmd":["ping"]}'
tap_ok "$(grep -q '"code":"bad_request"' <<<"$out"; echo $?)" "cmd of the wrong type refused"
zwd_ask '{"cmd":"reload","as":"root"}'
tap_ok "$(grep -q '"code":"bad_request"' <<<"$out"; echo $?)" "unknown argument refused"
tap_is "$(wc -l <"$audit")" 3 "refused requests change nothing (no audit line)"
out=$("$CTL_RAW" "$ZWD_SOCK" big 1048576 2>&1)
tap_ok "$(grep -q '"code":"too_large"' <<<"$out"; echo $?)" "a 1 MiB line refused: $out"
# the clients above are gone once the daemon has seen them close (one that
# it sees close during the burst would free a slot: 65 served): only the
# asking connection itself left
quiet() { "$ZONEWALL" metrics --socket "$ZWD_SOCK" | grep -q '^zonewall_control_clients 1$'; }
wait_for 5 quiet
out=$("$CTL_RAW" "$ZWD_SOCK" many 100 2>&1)
tap_is "$out" "ok=64 refused=36 other=0" "100 concurrent clients: 64 served, the rest told why"
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q '"pong":true' <<<"$out" && zwd_alive; echo $?)" "the daemon still answers afterwards"
run_cmd "$ZONEWALL" metrics --socket "$ZWD_SOCK"
tap_ok "$(grep -q '^zonewall_control_refused_total{reason="too_many_clients"} 36$' <<<"$out" &&
	grep -q '^zonewall_control_refused_total{reason="bad_json"} 1$' <<<"$out"; echo $?)" \
	"refusals are counted by reason"

# --- metrics over HTTP on loopback ---------------------------------------------
http() {	# http REQUEST: raw request to the metrics port; the answer in $out
	out=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%b' "$1" >&3 && timeout 5 cat <&3)
}
http 'GET /metrics HTTP/1.0\r\n\r\n'
tap_ok "$(head -1 <<<"$out" | grep -q '^HTTP/1.0 200 OK' &&
	grep -q '^Content-Type: text/plain; version=0.0.4' <<<"$out" &&
	grep -q '^zonewall_build_info' <<<"$out"; echo $?)" "GET /metrics answers 200 with the metrics"
http 'POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n'
tap_ok "$(head -1 <<<"$out" | grep -q '^HTTP/1.0 405'; echo $?)" "POST refused with 405"
http 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n'
tap_ok "$(head -1 <<<"$out" | grep -q '^HTTP/1.0 404'; echo $?)" "another path refused with 404"
http 'blah\r\n\r\n'
tap_ok "$(head -1 <<<"$out" | grep -q '^HTTP/1.0 400'; echo $?)" "garbage refused with 400"
http "GET /metrics HTTP/1.1\\r\\nX: $(head -c 9000 /dev/zero | tr '\0' a)\\r\\n\\r\\n"
tap_ok "$(head -1 <<<"$out" | grep -q '^HTTP/1.0 431'; echo $?)" "an oversized request refused with 431"
if command -v curl >/dev/null; then
	tap_is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" 200 \
		"curl GET /metrics: 200"
fi

# --- privileges -----------------------------------------------------------------
st=/proc/$ZWD_PID/status
for k in CapEff CapPrm CapBnd; do
	tap_is "$(awk -v k="$k:" '$1 == k {print $2}' "$st")" 0000000000003000 \
		"$k holds only CAP_NET_ADMIN (12) and CAP_NET_RAW (13)"
done
tap_is "$(awk '$1 == "CapAmb:" {print $2}' "$st")" 0000000000000000 "no ambient capabilities"
tap_is "$(awk '$1 == "NoNewPrivs:" {print $2}' "$st")" 1 "NoNewPrivs is set"
if getent group zonewall >/dev/null; then
	tap_is "$(stat -c '%a %G' "$ZWD_SOCK")" "660 zonewall" "the socket is 0660, group zonewall"
else
	tap_is "$(stat -c %a "$ZWD_SOCK")" 600 "without a group zonewall the socket is root-only (0600)"
	grep -q "mode 0600, root only" "$ZWD_LOG"
	tap_ok $? "and the log says so"
fi

# --- orderly stop ----------------------------------------------------------------
kill -TERM "$ZWD_PID"
wait "$ZWD_PID"
tap_is "$?" 0 "SIGTERM: exit status 0"
tap_ok "$([ ! -e "$ZWD_SOCK" ]; echo $?)" "the socket is removed"
tap_ok "$(tail -1 "$ZWD_LOG" | grep -q 'stopped'; echo $?)" "the log says it stopped"
ZWD_PIDS=()

# --- readiness for a service manager (Type=notify) ---------------------------------
if command -v python3 >/dev/null; then
	conf=$(zwd_conf notify)
	"$top_srcdir/tests/lib/sd-notify-run" "$ZWD_DIR/notify.pid" "$ZWD_DIR/notify.log" 20 \
		"$ZONEWALLD" --foreground -c "$conf"
	tap_is "$?" 0 "NOTIFY_SOCKET: READY=1 comes"
	ZWD_PIDS+=("$(cat "$ZWD_DIR/notify.pid")")
	run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_DIR/notify.sock" --json
	tap_ok "$([ "$rc" = 0 ] && [ "$(jq -r .pid <<<"$out")" = "$(cat "$ZWD_DIR/notify.pid")" ]; echo $?)" \
		"and the control socket answers at once (no wait): $(head -c 60 <<<"$err")"
else
	tap_skip "no python3 to stand in for the service manager"
fi

tap_done
