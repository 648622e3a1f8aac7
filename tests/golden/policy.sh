#!/bin/bash
# Golden tests for policy files: every ok/NAME.json (and the shipped
# rules/policy.example.json) is valid and already canonical, so load + save
# is byte-identical; every bad/NAME.json is refused with exit status 2 and
# exactly the diagnostics in bad/NAME.err (one line per problem, with its
# JSON path).  Regenerate after an intended change: ZW_GOLDEN_UPDATE=1 make check
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/policy

for f in "$dir"/ok/*.json "$top_srcdir"/rules/policy.example.json; do
	name=${f#"$top_srcdir"/}
	run_cmd "$ZONEWALL" validate "$f"
	tap_is "$rc" 0 "accepted: $name"
	run_cmd "$ZONEWALL" validate --canonical "$f"
	tap_is "$out" "$(cat "$f")" "canonical (load + save is byte-identical): $name"
done

for f in "$dir"/bad/*.json; do
	want=${f%.json}.err
	run_cmd "$ZONEWALL" validate "$f"
	err=${err//"$f"/FILE}
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$err" >"$want"
	tap_is "$rc" 2 "refused with exit 2: ${f#"$dir"/}"
	tap_is "$err" "$(cat "$want")" "diagnostics: ${f#"$dir"/}"
	tap_is "$out" "" "nothing on stdout: ${f#"$dir"/}"
done

run_cmd "$ZONEWALL" validate "$dir/does-not-exist.json"
tap_is "$rc" 1 "an unreadable policy exits 1"
tap_ok "$(grep -q 'cannot read: No such file or directory' <<<"$err"; echo $?)" \
	"and says why: $err"

# The schema documents the same contract: the example and every ok policy
# validate against it when python3 has jsonschema (an independent witness).
if python3 -c 'import jsonschema' 2>/dev/null; then
	for f in "$dir"/ok/*.json "$top_srcdir"/rules/policy.example.json; do
		python3 - "$top_srcdir/rules/policy.schema.json" "$f" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
		tap_ok $? "schema accepts ${f#"$top_srcdir"/}"
	done
	for f in "$top_srcdir"/tests/golden/review/staging*.json "$top_srcdir"/tests/golden/review/merged.json; do
		python3 - "$top_srcdir/rules/proposal.schema.json" "$f" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
		tap_ok $? "proposal schema accepts ${f#"$top_srcdir"/}"
	done
else
	tap_skip "python3 jsonschema module not installed"
fi

tap_done
