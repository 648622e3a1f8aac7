#!/bin/bash
# Golden and end-to-end tests for the review tools, on two fixture proposals
# (review/staging1.json, review/staging2.json: two staging hosts) and the
# shipped example policy:
#   merge (and that merging is order-independent), review (table, JSON, no
#   policy), approve (refused across a deny border with the policy file
#   byte-identical; --all --skip-denied equals an expected policy; no
#   duplicates on a second run; --edge; damaged inputs refused), diff,
#   export k8s (YAML checked by python3) and dot (checked by `dot -Tsvg`).
# Regenerate after an intended change: ZW_GOLDEN_UPDATE=1 make check
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/review
example=$top_srcdir/rules/policy.example.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# approved_at is "now": fix it (test-only) so the expected policy can hold it.
export ZONEWALL_NOW=2026-01-10T12:00:00Z

golden() {	# golden NAME TEXT DESCRIPTION: compare TEXT with review/NAME
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$2" >"$dir/$1"
	tap_is "$2" "$(cat "$dir/$1")" "$3"
}

# --- merge -----------------------------------------------------------------
run_cmd "$ZONEWALL" merge "$dir/staging1.json" "$dir/staging2.json" -o "$tmp/all.json"
tap_is "$rc" 0 "merge exits 0"
golden merged.json "$(cat "$tmp/all.json")" "merged proposal: evidence added up, days/runs united"
tap_ok "$("$ZONEWALL" validate --canonical "$tmp/all.json" | cmp -s - "$tmp/all.json"; echo $?)" \
	"validate --canonical prints a proposal as merge wrote it (one edge per line)"
canon=$("$ZONEWALL" validate --canonical "$dir/staging1.json")
tap_ok "$([ "$(jq '.edges | length' <<<"$canon")" = 7 ] && [ "$(wc -l <<<"$canon")" = 12 ]; echo $?)" \
	"an indented proposal (as older versions wrote) reads, and prints one edge per line"
run_cmd "$ZONEWALL" merge "$dir/staging2.json" "$dir/staging1.json" -o "$tmp/all2.json"
tap_ok "$(cmp -s "$tmp/all.json" "$tmp/all2.json"; echo $?)" "merge order does not matter"
run_cmd "$ZONEWALL" merge "$tmp/all.json" "$dir/staging1.json" -o "$tmp/all3.json"
tap_ok "$(grep -q '"packets": 2700' "$tmp/all3.json"; echo $?)" \
	"merging a proposal again adds its packets (web->api tcp/8080: 1500 + 1200 = 2700)"
tap_is "$(grep -c '"staging1-r1"' "$tmp/all3.json")" "$(grep -c '"staging1-r1"' "$tmp/all.json")" \
	"but runs stay a set"

printf '{"version": 1, "edges": [{"id": "x"}]}\n' >"$tmp/damaged.json"
run_cmd "$ZONEWALL" merge "$dir/staging1.json" "$tmp/damaged.json" -o "$tmp/none.json"
tap_is "$rc" 2 "a damaged input proposal is refused (exit 2)"
tap_ok "$([ ! -e "$tmp/none.json" ]; echo $?)" "and nothing is written"
cp "$tmp/damaged.json" "$tmp/out.json"
run_cmd "$ZONEWALL" merge "$dir/staging1.json" -o "$tmp/out.json"
tap_is "$rc" 2 "a damaged existing output is refused"
tap_ok "$(cmp -s "$tmp/damaged.json" "$tmp/out.json"; echo $?)" "and never overwritten"
golden damaged.err "${err//"$tmp"/TMP}" "a damaged proposal's problems, with JSON paths"

# --- review ------------------------------------------------------------------
run_cmd "$ZONEWALL" review "$tmp/all.json" --policy "$example"
tap_is "$rc" 0 "review exits 0"
golden review.table "$out" "review table: new first, then refused by border, stale, allowed"
tap_fits "$out" "review: the table fits 120 columns"
run_cmd "$ZONEWALL" review "$tmp/all.json" --policy "$example" --wide
golden review.wide "$out" "review --wide: days, runs, first and last seen, WHY"
run_cmd "$ZONEWALL" review "$tmp/all.json" --policy "$example" --json
golden review.json "$out" "review --json: the same rows and the summary"
tap_ok "$(jq -e '.summary.low_confidence == 2 and .summary.refused_by_border == 2' <<<"$out" >/dev/null; echo $?)" \
	"review --json is JSON (jq) with the coverage summary"
run_cmd "$ZONEWALL" review "$tmp/all.json"
golden review-nopolicy.table "$out" "review without a policy: every edge new"
run_cmd "$ZONEWALL" review "$tmp/damaged.json"
tap_is "$rc" 2 "review refuses a damaged proposal"

# --- approve -------------------------------------------------------------------
cp "$dir/policy-start.json" "$tmp/policy.json"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/policy.json" --all --by carol
tap_is "$rc" 2 "approve --all with edges across deny borders is refused (exit 2)"
tap_ok "$(cmp -s "$dir/policy-start.json" "$tmp/policy.json"; echo $?)" \
	"and the policy file is byte-identical"
golden approve-refused.err "${err//"$tmp"/TMP}" "refusal names each edge and its border"

run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/policy.json" --from web --to db
tap_is "$rc" 2 "approve --from web --to db (web -> data is deny) is refused"
tap_ok "$(cmp -s "$dir/policy-start.json" "$tmp/policy.json"; echo $?)" "policy byte-identical"

run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/policy.json" --all --skip-denied --by carol
tap_is "$rc" 0 "approve --all --skip-denied exits 0"
golden approved.json "$(cat "$tmp/policy.json")" "the approved policy equals the expected one"
golden approve.out "${out//"$tmp"/TMP}" "approve lists what it added"
tap_ok "$(grep -q 'skipped edge 862bcafb25e8 web -> db' <<<"$err"; echo $?)" "and warns about what it skipped"
cp "$tmp/policy.json" "$tmp/policy.before"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/policy.json" --all --skip-denied
tap_ok "$(grep -q '^0 rules added' <<<"$out"; echo $?)" "approving again adds no duplicate"
tap_ok "$(cmp -s "$tmp/policy.before" "$tmp/policy.json"; echo $?)" "and leaves the file as it was"
run_cmd "$ZONEWALL" validate "$tmp/policy.json"
tap_is "$rc" 0 "the approved policy is valid"

cp "$dir/policy-start.json" "$tmp/one.json"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/one.json" --edge d9a446a354ce \
	--by dave --reason "batch worker calls the API"
tap_is "$rc" 0 "approve --edge ID"
tap_is "$(jq -c '.allow' "$tmp/one.json")" \
	'[{"from":"worker","to":"api","from_zone":"app","to_zone":"app","proto":"tcp","port":8080,"comment":"batch worker calls the API","approved_by":"dave","approved_at":"2026-01-10T12:00:00Z"}]' \
	"one rule, with who, when and why"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/one.json" --edge 000000000000
tap_is "$rc" 2 "an unknown edge id is a usage error"
run_cmd "$ZONEWALL" approve "$tmp/damaged.json" --policy "$tmp/one.json" --all
tap_is "$rc" 2 "approve refuses a damaged proposal"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/one.json"
tap_is "$rc" 2 "approve without a selection is a usage error"
printf '{"version": 1}\n' >"$tmp/badpolicy.json"
cp "$tmp/badpolicy.json" "$tmp/badpolicy.orig"
run_cmd "$ZONEWALL" approve "$tmp/all.json" --policy "$tmp/badpolicy.json" --all
tap_is "$rc" 2 "approve refuses an invalid policy"
tap_ok "$(cmp -s "$tmp/badpolicy.json" "$tmp/badpolicy.orig"; echo $?)" "and writes nothing"
tap_is "$(find "$tmp" -name '*.tmp*' | wc -l)" 0 "no temporary files left behind"

# --- diff ---------------------------------------------------------------------
run_cmd "$ZONEWALL" diff "$dir/policy-start.json" "$tmp/policy.json"
golden diff-approve.table "$out" "diff: the approval, in identities"
run_cmd "$ZONEWALL" diff "$example" "$dir/production.json"
golden diff-promote.table "$out" "diff: modes, borders, zones and rules"
run_cmd "$ZONEWALL" diff --json "$example" "$dir/production.json"
golden diff-promote.json "$out" "diff --json"
run_cmd "$ZONEWALL" diff "$example" "$example"
tap_is "$out" "no change in what the policies allow" "diff of a policy with itself"

# --- export ---------------------------------------------------------------------
run_cmd "$ZONEWALL" export --format k8s "$example"
tap_ok "$([ "$rc" = 1 ] && [ -z "$out" ] &&
	grep -q '^zonewall export: \$.allow\[2\] web -> api icmp: NetworkPolicy cannot express icmp$' <<<"$err" &&
	grep -q '1 of 6 allow rules cannot be expressed as NetworkPolicy: nothing written' <<<"$err"; echo $?)" \
	"a rule NetworkPolicy cannot express: named, nothing written, exit 1 (no default-deny without its allows)"
jq '.allow[0].to = "shop/api"' "$example" >"$tmp/compose.json"
run_cmd "$ZONEWALL" export --format k8s "$tmp/compose.json"
tap_ok "$([ "$rc" = 1 ] && [ -z "$out" ] &&
	grep -q 'shop/api tcp: the destination is not a pod label value' <<<"$err"; echo $?)" \
	"an identity that is no pod label value (compose project/service): refused the same way"
run_cmd "$ZONEWALL" export --format k8s --skip-unexpressible "$example"
tap_ok "$([ "$rc" = 0 ] && grep -q 'warning: \$.allow\[2\] web -> api icmp left out' <<<"$err"; echo $?)" \
	"--skip-unexpressible writes the rest, warning about what it left out"
golden example.yaml "$out" "NetworkPolicy YAML"
printf '%s\n' "$out" >"$tmp/np.yaml"
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$tmp/np.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
assert len(docs) >= 2, docs
for d in docs:
    assert d["apiVersion"] == "networking.k8s.io/v1" and d["kind"] == "NetworkPolicy", d
    name = d["metadata"]["name"]
    assert name and len(name) <= 63 and name == name.lower(), name
    assert "podSelector" in d["spec"] and d["spec"]["policyTypes"] == ["Ingress"], d
    for rule in d["spec"].get("ingress", []):
        assert rule["from"], rule
        for p in rule.get("ports", []):
            assert p["protocol"] in ("TCP", "UDP"), p
PY
	tap_ok $? "python3 yaml: every document is a well-formed NetworkPolicy"
else
	tap_ok "$(grep -c '^kind: NetworkPolicy$' "$tmp/np.yaml" | grep -qv '^0$'; echo $?)" \
		"structural check: NetworkPolicy documents present"
fi
run_cmd "$ZONEWALL" export --format k8s --egress --skip-unexpressible "$example"
tap_is "$rc" 0 "export --format k8s --egress exits 0"
golden example-egress.yaml "$out" "NetworkPolicy YAML with egress: default deny, per source, borders"
tap_is "$(printf '%s\n' "$out" | head -n "$(wc -l <"$dir/example.yaml")")" "$(cat "$dir/example.yaml")" \
	"--egress only adds: the ingress part is byte-identical"
printf '%s\n' "$out" >"$tmp/np-egress.yaml"
if python3 -c 'import yaml' 2>/dev/null; then
	python3 - "$tmp/np-egress.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
eg = [d for d in docs if d["spec"]["policyTypes"] == ["Egress"]]
assert len(eg) >= 2, eg
deny = [d for d in eg if d["metadata"]["name"] == "zonewall-default-deny-egress"]
assert deny and "egress" not in deny[0]["spec"], deny
for d in eg:
    for rule in d["spec"].get("egress", []):
        assert rule["to"], rule
        for peer in rule["to"]:
            assert ("podSelector" in peer) != ("ipBlock" in peer), peer
            if "ipBlock" in peer:
                assert "/" in peer["ipBlock"]["cidr"], peer
        for p in rule.get("ports", []):
            assert p["protocol"] in ("TCP", "UDP"), p
PY
	tap_ok $? "python3 yaml: egress documents are well-formed, peers are pods or CIDRs"
else
	tap_skip "python3 yaml not installed"
fi
run_cmd "$ZONEWALL" export --format dot --egress "$example"
tap_is "$rc" 2 "--egress without --format k8s is a usage error"
run_cmd "$ZONEWALL" export --format k8s "$tmp/all.json"
tap_is "$rc" 2 "k8s export of a proposal is refused (approve first)"

run_cmd "$ZONEWALL" export --format dot "$example"
golden example.dot "$out" "DOT of a policy: zones as clusters, deny borders red"
printf '%s\n' "$out" >"$tmp/policy.dot"
run_cmd "$ZONEWALL" export --format dot "$tmp/all.json" --policy "$example"
golden proposal.dot "$out" "DOT of a proposal: refused edges red and dashed"
printf '%s\n' "$out" >"$tmp/proposal.dot"
if command -v dot >/dev/null; then
	for f in policy proposal; do
		dot -Tsvg "$tmp/$f.dot" >"$tmp/$f.svg" 2>"$tmp/$f.err"
		tap_ok "$([ $? -eq 0 ] && [ ! -s "$tmp/$f.err" ] && grep -q '<svg' "$tmp/$f.svg"; echo $?)" \
			"graphviz renders the $f DOT without complaint"
	done
else
	tap_skip "graphviz (dot) not installed"
fi
run_cmd "$ZONEWALL" export --format yaml "$example"
tap_is "$rc" 2 "an unknown format is a usage error"

tap_done
