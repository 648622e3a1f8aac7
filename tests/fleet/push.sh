#!/bin/bash
# zonewall fleet push / pull / status against a real etcd (Debian's
# etcd-server) with etcdctl as the witness: what push stores is what the
# file holds (bytes and SHA-256), epochs move by compare-and-swap (of
# concurrent pushes each either wins its own epoch or is told it lost),
# a policy over etcd's 1.5 MiB request limit goes in pieces, a bad
# policy or a dead endpoint writes nothing, and status reads hosts' reports.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
P=$top_srcdir/rules/policy.example.json
pfx=/zonewall/v1

run_cmd zwf push "$P"
tap_is "$rc" 0 "push of the example policy exits 0 ($err)"
tap_ok "$(grep -q 'as epoch 1 ' <<<"$out"; echo $?)" "and says epoch 1: $out"
rec=$(ectl get --print-value-only "$pfx/policy/current")
tap_is "$(jq -r .epoch <<<"$rec")" 1 "etcd's current record: epoch 1"
tap_is "$(jq -r .digest <<<"$rec")" "$(sha256sum <"$P" | cut -d' ' -f1)" \
	"its digest is the file's SHA-256 (sha256sum)"
ectl get --print-value-only --prefix "$pfx/policy/blob/" >"$FLEET_DIR/blob"
# etcdctl ends each value with a newline of its own
tap_is "$(head -c -1 "$FLEET_DIR/blob" | sha256sum | cut -d' ' -f1)" "$(sha256sum <"$P" | cut -d' ' -f1)" \
	"the stored bytes are the file's"
tap_is "$(ectl get --print-value-only "$pfx/policy/epochs/0000000001")" "$rec" "epoch 1 kept in the history"

run_cmd zwf push "$P"
tap_is "$rc" 0 "the same policy again: exits 0"
tap_ok "$(grep -q 'in force already: epoch 1' <<<"$out"; echo $?)" "and says it is in force already ($out)"
tap_is "$(ectl get --print-value-only "$pfx/policy/current" | jq -r .epoch)" 1 "no new epoch"

run_cmd zwf pull -o "$FLEET_DIR/pulled.json"
tap_is "$rc" 0 "pull -o exits 0 ($err)"
tap_ok "$(cmp -s "$P" "$FLEET_DIR/pulled.json"; echo $?)" "pull writes the pushed bytes"

# a bad policy: every problem printed, exit 2, nothing stored
rev0=$(ectl get "$pfx/policy/current" -w json | jq -r .header.revision)
jq '.zones[0].mode = "sometimes" | .allow[0].from = "zone:nowhere"' "$P" >"$FLEET_DIR/bad.json"
run_cmd zwf push "$FLEET_DIR/bad.json"
tap_is "$rc" 2 "an invalid policy: exit 2"
tap_ok "$(grep -q 'zones\[0\].mode' <<<"$err" && grep -q 'nowhere' <<<"$err"; echo $?)" \
	"every problem named with its place: $(head -c 300 <<<"$err")"
tap_is "$(ectl get "$pfx/policy/current" -w json | jq -r .header.revision)" "$rev0" "etcd unchanged"

# concurrent pushes of 8 different policies: each wins an epoch of its own or is told
for i in 1 2 3 4 5 6 7 8; do
	jq --arg c "variant $i" '.comment = $c' "$P" >"$FLEET_DIR/v$i.json"
done
pids=()
for i in 1 2 3 4 5 6 7 8; do
	(zwf push "$FLEET_DIR/v$i.json" >"$FLEET_DIR/v$i.out" 2>"$FLEET_DIR/v$i.err"
	 echo $? >"$FLEET_DIR/v$i.rc") &
	pids+=($!)
done
wait "${pids[@]}"	# not etcd's
won=0 lost=0 other=0 epochs=()
for i in 1 2 3 4 5 6 7 8; do
	case "$(cat "$FLEET_DIR/v$i.rc")" in
	0) won=$((won + 1)); epochs+=("$(grep -o 'as epoch [0-9]*' "$FLEET_DIR/v$i.out" | cut -d' ' -f3)") ;;
	1) grep -q 'another push changed' "$FLEET_DIR/v$i.err" && lost=$((lost + 1)) || other=$((other + 1)) ;;
	*) other=$((other + 1)) ;;
	esac
done
tap_is "$other" 0 "8 concurrent pushes: each either won or was told another push won ($won won, $lost lost)"
tap_ok "$([ "$won" -ge 1 ]; echo $?)" "at least one won"
tap_is "$(printf '%s\n' "${epochs[@]}" | sort -n | uniq | wc -l)" "$won" "the winners hold distinct epochs: ${epochs[*]}"
tap_is "$(ectl get --print-value-only "$pfx/policy/current" | jq -r .epoch)" $((1 + won)) \
	"etcd's current epoch: 1 + the winners"
tap_is "$(ectl get --keys-only --prefix "$pfx/policy/epochs/" | grep -c .)" $((1 + won)) "one history record per epoch"
last=$(ectl get --print-value-only "$pfx/policy/current" | jq -r .digest)
tap_ok "$(for i in 1 2 3 4 5 6 7 8; do [ "$(cat "$FLEET_DIR/v$i.rc")" = 0 ] && sha256sum <"$FLEET_DIR/v$i.json"; done | grep -q "$last"; echo $?)" \
	"the policy in force is one of the winners'"

# a policy past etcd's request limit (1.5 MiB) goes in pieces and comes back whole
python3 - "$P" "$FLEET_DIR/big.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["comment"] = "x" * 3000000
json.dump(p, open(sys.argv[2], "w"))
PY
run_cmd zwf push "$FLEET_DIR/big.json"
tap_is "$rc" 0 "a 3 MB policy: pushed ($err)"
tap_is "$(ectl get --keys-only --prefix "$pfx/policy/blob/$(sha256sum <"$FLEET_DIR/big.json" | cut -d' ' -f1)/" | grep -c .)" 4 \
	"in 4 pieces of at most 768 KiB"
run_cmd zwf pull
tap_ok "$(cmp -s <(printf '%s\n' "$out") "$FLEET_DIR/big.json" || [ "$(printf '%s' "$out" | sha256sum)" = "$(sha256sum <"$FLEET_DIR/big.json")" ]; echo $?)" \
	"pull brings it back byte for byte"

# status: hosts' reports, in sync or not; a broken report is skipped with a warning
cur=$(ectl get --print-value-only "$pfx/policy/current" | jq -r .epoch)
ectl put "$pfx/hosts/alpha" "{\"host\":\"alpha\",\"mode\":\"enforce\",\"state\":\"ready\",\"epoch\":$cur,\"digest\":\"x\",\"endpoints\":5,\"seen\":\"2026-01-01T00:00:00Z\",\"pid\":1}" >/dev/null
ectl put "$pfx/hosts/beta" '{"host":"beta","mode":"monitor","state":"fleet_stale","epoch":1,"digest":"y","endpoints":2,"seen":"2026-01-01T00:00:00Z","pid":2}' >/dev/null
ectl put "$pfx/hosts/gamma" 'not json' >/dev/null
run_cmd zwf status --json
tap_is "$rc" 0 "status --json exits 0"
tap_is "$(jq -c '[.hosts[] | [.host, .in_sync]]' <<<"$out")" '[["alpha",true],["beta",false]]' \
	"alpha in sync, beta behind; gamma's broken report left out"
tap_ok "$(grep -q "hosts/gamma: not a host report" <<<"$err"; echo $?)" "and named in a warning: $err"
tap_is "$(jq .policy.epoch <<<"$out")" "$cur" "status shows the epoch in force"
run_cmd zwf status
tap_ok "$(grep -Eq '^beta +monitor +fleet_stale +1 +no' <<<"$out"; echo $?)" "the table says beta is not in sync"

# etcd away: a clear error, exit 1; a dead first endpoint is skipped
run_cmd fx "$ZONEWALL" fleet status --fleet etcd://127.0.0.1:2999,127.0.0.1:2379
tap_is "$rc" 0 "a dead first endpoint: the second answers"
run_cmd fx "$ZONEWALL" fleet push "$P" --fleet etcd://127.0.0.1:2999
tap_is "$rc" 1 "no endpoint answers: exit 1"
tap_ok "$(grep -q 'no etcd endpoint answers' <<<"$err"; echo $?)" "saying so: $(tail -1 <<<"$err")"
run_cmd fx "$ZONEWALL" fleet push "$P" --fleet http://127.0.0.1:2379
tap_is "$rc" 1 "a URL that is not etcd://: exit 1 ($(head -1 <<<"$err"))"
run_cmd "$ZONEWALL" fleet pusj "$P"
tap_is "$rc" 2 "a mistyped subcommand: usage error"
tap_ok "$(grep -q "did you mean 'push'" <<<"$err"; echo $?)" "with a suggestion: $(head -1 <<<"$err")"
tap_done
