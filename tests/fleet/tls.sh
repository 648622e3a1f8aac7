#!/bin/bash
# zonewall fleet against an etcd that speaks TLS and asks for client
# certificates (openssl makes a CA, a server certificate for 127.0.0.1 and
# a client certificate): fleet_ca, fleet_cert and fleet_key of
# zonewalld.conf get in; without the client certificate etcd refuses the
# handshake, and a CA that did not sign the server's certificate refuses
# it, each with a message naming the problem, and nothing is written.
# etcd's JSON gateway dials etcd's gRPC side with the server's certificate:
# it must allow client authentication too (else every answer is HTTP 503).
# Then zonewalld over TLS, in host namespaces on the fleet's bridge: with
# the CA and a client certificate it applies the epoch in force and a new
# push (its report under hosts/, the kernel's tables); with a wrong CA or no
# client certificate it refuses to start, names the TLS problem and installs
# nothing (it never fetched a policy).
. "$(dirname "$0")/../lib/fleet.sh"
fleet_require
command -v openssl >/dev/null || tap_skip_all "needs openssl"
[ -x "$ZONEWALLD" ] || tap_skip_all "zonewalld not built"
command -v nft >/dev/null || tap_skip_all "needs nft"
A=zwfa$$ W=zwfw$$ N=zwfn$$
fleet_hosts_add "$A" "$W" "$N" || tap_bail "cannot make the hosts' namespaces"
T=$FLEET_DIR/tls
mkdir -m 0700 "$T"

cert() {	# cert NAME CN ISSUER EXTENSIONS: a P-256 key and a certificate ISSUER signs
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$2" 2>/dev/null &&
		openssl x509 -req -in "$T/$1.csr" -CA "$T/$3.crt" -CAkey "$T/$3.key" \
			-CAcreateserial -days 2 -out "$T/$1.crt" -extfile <(printf '%s\n' "$4") 2>/dev/null
}
ca() {	# ca NAME: a self-signed CA
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/$1.key" -out "$T/$1.crt" -days 2 -subj "/CN=zonewall test $1" 2>/dev/null
}
ca ca && ca other-ca &&
	cert server etcd ca "subjectAltName = IP:127.0.0.1, IP:10.77.0.1
extendedKeyUsage = serverAuth, clientAuth" &&
	cert client zonewall ca "extendedKeyUsage = clientAuth" &&
	cert stranger zonewall other-ca "extendedKeyUsage = clientAuth" ||
	tap_bail "openssl could not make the certificates"
chmod 0600 "$T"/*.key

FLEET_SCHEME=https
FLEET_CURL=(--cacert "$T/ca.crt" --cert "$T/client.crt" --key "$T/client.key")
fleet_etcd_start a 2379 2380 --cert-file "$T/server.crt" --key-file "$T/server.key" \
	--trusted-ca-file "$T/ca.crt" --client-cert-auth ||
	tap_bail "etcd did not start: $(tail -5 "$FLEET_DIR/a/log")"
ectl() {	# the witness, with the client certificate
	fx etcdctl --endpoints https://127.0.0.1:2379 --cacert "$T/ca.crt" --cert "$T/client.crt" \
		--key "$T/client.key" "$@"
}
P=$top_srcdir/rules/policy.example.json

conf() {	# conf NAME [KEY = VALUE...]: a zonewalld.conf with the fleet's keys
	local f=$FLEET_DIR/$1.conf
	shift
	printf '%s\n' "fleet = $FLEET_URL" "$@" >"$f"
	chmod 0600 "$f"
}
conf good "fleet_ca = $T/ca.crt" "fleet_cert = $T/client.crt" "fleet_key = $T/client.key"
conf nocert "fleet_ca = $T/ca.crt"
conf wrongca "fleet_ca = $T/other-ca.crt" "fleet_cert = $T/client.crt" "fleet_key = $T/client.key"
conf stranger "fleet_ca = $T/ca.crt" "fleet_cert = $T/stranger.crt" "fleet_key = $T/stranger.key"

run_cmd fx "$ZONEWALL" fleet push "$P" --config "$FLEET_DIR/good.conf"
tap_is "$rc" 0 "push over TLS with the configuration's CA and client certificate ($err)"
tap_is "$(ectl get --print-value-only /zonewall/v1/policy/current | jq -r .digest)" \
	"$(sha256sum <"$P" | cut -d' ' -f1)" "etcd holds it as the current epoch (etcdctl over TLS)"
run_cmd fx "$ZONEWALL" fleet status --json --config "$FLEET_DIR/good.conf"
tap_is "$rc,$(jq .policy.epoch <<<"$out")" 0,1 "status reads epoch 1 back"
run_cmd fx "$ZONEWALL" fleet pull --config "$FLEET_DIR/good.conf"
tap_is "$(sha256sum <<<"$out" | cut -d' ' -f1)" "$(sha256sum <"$P" | cut -d' ' -f1)" "pull: byte for byte"

rev0=$(ectl get /zonewall/v1/policy/current -w json | jq -r .header.revision)
jq '.comment = "another"' "$P" >"$FLEET_DIR/p2.json"
run_cmd fx "$ZONEWALL" fleet push "$FLEET_DIR/p2.json" --config "$FLEET_DIR/nocert.conf"
tap_is "$rc" 1 "without a client certificate: exit 1"
tap_ok "$(grep -q 'no etcd endpoint answers over TLS' <<<"$err" &&
	grep -q 'client-cert-auth also wants fleet_cert and fleet_key' <<<"$err"; echo $?)" \
	"saying what to give: $(tail -1 <<<"$err")"
run_cmd fx "$ZONEWALL" fleet push "$FLEET_DIR/p2.json" --config "$FLEET_DIR/stranger.conf"
tap_is "$rc" 1 "a client certificate of a CA etcd does not trust: exit 1"
tap_ok "$(grep -q 'Does etcd trust the CA that signed fleet_cert?' <<<"$err"; echo $?)" \
	"saying what to check: $(tail -1 <<<"$err")"
run_cmd fx "$ZONEWALL" fleet status --config "$FLEET_DIR/wrongca.conf"
tap_is "$rc" 1 "a fleet_ca that did not sign etcd's certificate: exit 1"
tap_ok "$(grep -q '127.0.0.1:2379: .*SSL certificate problem: unable to get local issuer certificate' <<<"$err"; echo $?)" \
	"naming the certificate problem: $(head -1 <<<"$err")"
run_cmd zwf status
tap_is "$rc" 1 "no TLS settings (plain http) against etcd's TLS port: exit 1"
tap_ok "$(grep -q 'no etcd endpoint answers' <<<"$err"; echo $?)" "$(head -1 <<<"$err")"
tap_is "$(ectl get /zonewall/v1/policy/current -w json | jq -r .header.revision)" "$rev0" "nothing written"

# --- zonewalld over TLS (etcd at 10.77.0.1, hosts a, w and n) ---------------
install -m 0600 "$top_srcdir/rules/inventory.json" "$FLEET_DIR/inventory.json"
tls_conf() {	# tls_conf HOST-NS NAME [KEY = VALUE...]: fleet_host_conf and TLS lines
	fleet_host_conf "$1" "$2"
	printf '%s\n' "${@:3}" >>"$FLEET_DIR/$1/zonewalld.conf"
}
tls_conf "$A" host-a "fleet_ca = $T/ca.crt" "fleet_cert = $T/client.crt" "fleet_key = $T/client.key"
tls_conf "$W" host-w "fleet_ca = $T/other-ca.crt" "fleet_cert = $T/client.crt" "fleet_key = $T/client.key"
tls_conf "$N" host-n "fleet_ca = $T/ca.crt"
report() { ectl get --print-value-only "/zonewall/v1/hosts/$1" | jq -c '[.epoch, .state]'; }
report_is() { [ "$(report "$1")" = "$2" ]; }
epoch=$(ectl get --print-value-only /zonewall/v1/policy/current | jq .epoch)
fleet_host_start "$A" || tap_bail "zonewalld on host a did not start: $(tail -5 "$FLEET_DIR/$A/log")"
wait_for 20 report_is host-a "[$epoch,\"ready\"]"
tap_is "$(report host-a)" "[$epoch,\"ready\"]" "zonewalld over TLS: host a reports epoch $epoch, ready (etcdctl)"
zmode() { ip netns exec "$A" "$ZONEWALL" status --json | jq -r '.zones[] | select(.zone == "web") | .mode'; }
tap_is "$(zmode)" enforce "and its kernel holds the policy: zone web enforces (zonewall status, from the kernel)"
jq '(.zones[] | select(.name == "web") | .mode) = "monitor"' "$P" >"$FLEET_DIR/p3.json"
run_cmd fx "$ZONEWALL" fleet push "$FLEET_DIR/p3.json" --config "$FLEET_DIR/good.conf"
tap_is "$rc" 0 "a new epoch pushed over TLS ($out)"
wait_for 20 report_is host-a "[$((epoch + 1)),\"ready\"]"
tap_is "$(report host-a)" "[$((epoch + 1)),\"ready\"]" "host a applies it and reports epoch $((epoch + 1))"
tap_is "$(zmode)" monitor "its kernel follows: zone web monitors"

# refuse DESC NS: zonewalld in NS exits 1 and installs nothing
refuse() {
	run_cmd timeout 30 ip netns exec "$2" "$ZONEWALLD" --foreground -c "$FLEET_DIR/$2/zonewalld.conf"
	tap_is "$rc" 1 "$1: zonewalld refuses to start"
	tap_is "$(ip netns exec "$2" nft list tables)" "" "$1: it never fetched a policy and installs none"
	tap_is "$(ectl get --keys-only --prefix "/zonewall/v1/hosts/host-${2:3:1}")" "" "$1: and reports nothing under hosts/"
}
refuse "a fleet_ca that did not sign etcd's certificate" "$W"
msg=$(grep -m1 -o 'SSL certificate problem: unable to get local issuer certificate' <<<"$err")
tap_ok $? "its log names the TLS problem: $msg"
refuse "no client certificate" "$N"
# etcd's refusal of the handshake reaches curl either as a TLS alert on
# read ("alert bad certificate") or as a reset on send ("Failed sending data
# to the peer ... Transport endpoint is not connected"), which names no TLS
# problem; zonewalld, like zonewall fleet, adds what to give
grep -q 'also wants fleet_cert and fleet_key' <<<"$err"
tap_ok $? "no client certificate: zonewalld's log says that etcd wants fleet_cert and fleet_key"
tap_done
