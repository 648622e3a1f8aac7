#!/bin/bash
# The control socket cannot be held (slow loris): members of control_group
# open every connection they may and send a request one byte per second,
# never ending it.  Control first: such a client keeps its slot as long as
# it trickles (the request deadline is what frees it).  Then: root's
# request is still answered at once (slots reserved for root, a cap per
# user), every trickling connection is closed within the request deadline
# with "too_slow", and the refusals do not flood the log.
. "$(dirname "$0")/../lib/daemon.sh"
zwd_require
getent group nogroup >/dev/null || tap_skip_all "no group nogroup to give the attackers"

conf=$(zwd_conf hold "control_group = nogroup")
chmod 0711 "$ZWD_DIR"	# the attackers (nogroup) reach the socket, nothing else
zwd_start "$conf" || tap_bail "zonewalld did not start"
tap_ok 0 "zonewalld answers on its socket"
tap_is "$(stat -c '%a %G' "$ZWD_SOCK")" "660 nogroup" "the socket is the group's"

clients() { "$ZONEWALL" metrics --socket "$ZWD_SOCK" | sed -n 's/^zonewall_control_clients //p'; }
at_least() { [ "$(clients)" -ge "$1" ]; }

# --- four users, 16 trickling connections each, for 14 s -------------------------
pids=()
for u in 60001 60002 60003 60004; do
	"$CTL_RAW" "$ZWD_SOCK" hold 16 14 "$u" 65534 >"$ZWD_DIR/attack.$u" 2>"$ZWD_DIR/attack-err.$u" &
	pids+=($!)
done
wait_for 10 at_least 57
held=$(clients)
tap_ok "$([ "$held" -ge 57 ]; echo $?)" \
	"the attackers hold the connections they may ($held with the asking one)"

t0=$(date +%s%N)
zwd_ask '{"cmd":"ping"}'
ms=$((($(date +%s%N) - t0) / 1000000))
tap_ok "$(grep -q '"pong":true' <<<"$out" && [ "$ms" -lt 1000 ]; echo $?)" \
	"root's request is answered at once while they hold them (${ms} ms): $out"
t0=$(date +%s%N)
run_cmd "$ZONEWALL" daemon-status --socket "$ZWD_SOCK" --json
ms=$((($(date +%s%N) - t0) / 1000000))
tap_ok "$([ "$rc" -eq 0 ] && [ "$ms" -lt 1000 ]; echo $?)" "and zonewall daemon-status (${ms} ms)"

for p in "${pids[@]}"; do wait "$p"; done
tot_adm=0 tot_ref=0 tot_slow=0 tot_open=0
for u in 60001 60002 60003 60004; do
	read -r a r s o x < <(sed 's/[a-z_]*=//g' "$ZWD_DIR/attack.$u")
	tot_adm=$((tot_adm + a)) tot_ref=$((tot_ref + r)) tot_slow=$((tot_slow + s))
	tot_open=$((tot_open + o))
done
tap_is "$tot_adm $tot_ref" "56 8" \
	"other users got 56 of the 64 slots (8 kept for root), the rest refused at once"
tap_is "$(cut -d' ' -f1 "$ZWD_DIR"/attack.* | sed 's/admitted=//' | awk '$1 > 16')" "" \
	"no user got more than 16"
tap_is "$tot_slow $tot_open" "56 0" \
	"every trickling connection closed as too_slow within the deadline, none left open"
run_cmd "$ZONEWALL" metrics --socket "$ZWD_SOCK"
tap_ok "$(grep -q '^zonewall_control_refused_total{reason="too_slow"} 56$' <<<"$out" &&
	grep -q '^zonewall_control_refused_total{reason="too_many_clients"} 8$' <<<"$out"; echo $?)" \
	"refusals counted by reason"
out=$("$CTL_RAW" "$ZWD_SOCK" hold 20 1 60005 65534 2>"$ZWD_DIR/attack-err.60005")
tap_is "$out" "admitted=16 refused=4 too_slow=0 open=16 other=0" \
	"one user alone: 16 connections, the rest refused"
logged=$(grep -c 'control: refused request' "$ZWD_LOG")
tap_ok "$([ "$logged" -le 30 ]; echo $?)" "68 refusals, $logged log lines: rate-limited"
summed() { grep -q 'more refusals not logged' "$ZWD_LOG"; }
wait_for 12 summed
tap_ok "$(summed; echo $?)" "and the log says how many were left out: $(grep -o '[0-9]* more refusals not logged' "$ZWD_LOG" | head -1)"
zwd_ask '{"cmd":"ping"}'
tap_ok "$(grep -q '"pong":true' <<<"$out" && zwd_alive; echo $?)" "the daemon answers afterwards"
tap_done
