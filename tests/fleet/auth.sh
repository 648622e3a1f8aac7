#!/bin/bash
# zonewall fleet with etcd's authentication on: the fleet keys of
# zonewalld.conf (fleet_user, fleet_password_file) get in; no credentials,
# a wrong password or a password file others can read are refused, each
# with a message naming the problem, and nothing is written.
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require
fleet_etcd_start a 2379 2380 || tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
P=$top_srcdir/rules/policy.example.json
ectl user add root --new-user-password=s3cret >/dev/null || tap_bail "etcdctl user add failed"
ectl auth enable >/dev/null || tap_bail "etcdctl auth enable failed"
ea() { ectl --user root:s3cret "$@"; }

printf 's3cret\n' >"$FLEET_DIR/pw"
chmod 0600 "$FLEET_DIR/pw"
cat >"$FLEET_DIR/zonewalld.conf" <<CONF
fleet = $FLEET_URL
fleet_user = root
fleet_password_file = $FLEET_DIR/pw
CONF
run_cmd fx "$ZONEWALL" fleet push "$P" --config "$FLEET_DIR/zonewalld.conf"
tap_is "$rc" 0 "push with the configuration's credentials ($err)"
tap_is "$(ea get --print-value-only /zonewall/v1/policy/current | jq -r .epoch)" 1 "etcd holds epoch 1 (etcdctl as root)"
run_cmd fx "$ZONEWALL" fleet status --json --config "$FLEET_DIR/zonewalld.conf"
tap_is "$(jq .policy.epoch <<<"$out")" 1 "status reads it back"

run_cmd zwf status
tap_is "$rc" 1 "without credentials: exit 1"
tap_ok "$(grep -qi 'etcd refused' <<<"$err"; echo $?)" "etcd's refusal named: $(head -1 <<<"$err")"

printf 'wrong\n' >"$FLEET_DIR/pw2"
chmod 0600 "$FLEET_DIR/pw2"
sed "s|$FLEET_DIR/pw\$|$FLEET_DIR/pw2|" "$FLEET_DIR/zonewalld.conf" >"$FLEET_DIR/wrong.conf"
rev0=$(ea get /zonewall/v1/policy/current -w json | jq -r .header.revision)
jq '.comment = "another"' "$P" >"$FLEET_DIR/p2.json"
run_cmd fx "$ZONEWALL" fleet push "$FLEET_DIR/p2.json" --config "$FLEET_DIR/wrong.conf"
tap_is "$rc" 1 "a wrong password: exit 1"
tap_ok "$(grep -qi 'authentication failed' <<<"$err"; echo $?)" "saying authentication failed: $(head -1 <<<"$err")"
tap_is "$(ea get /zonewall/v1/policy/current -w json | jq -r .header.revision)" "$rev0" "nothing written"

chmod 0644 "$FLEET_DIR/pw"
run_cmd fx "$ZONEWALL" fleet status --config "$FLEET_DIR/zonewalld.conf"
tap_is "$rc" 1 "a password file others can read: exit 1"
tap_ok "$(grep -q 'readable or writable by others' <<<"$err" && grep -q 'chmod 0600' <<<"$err"; echo $?)" \
	"saying so, and what to do: $(head -1 <<<"$err")"
tap_done
