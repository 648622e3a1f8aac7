#!/bin/bash
# Golden tests for zonewalld's configuration: every ok/NAME.conf must pass
# --check-config and print exactly ok/NAME.out; every bad/NAME.conf must be
# refused with exit status 2 and exactly the diagnostics in bad/NAME.err.
# Regenerate after an intended change with: ZW_GOLDEN_UPDATE=1 make check
. "$(dirname "$0")/../lib/common.sh"
dir=$top_srcdir/tests/golden/config

for f in "$dir"/ok/*.conf "$top_srcdir"/rules/zonewalld.conf; do
	want=${f%.conf}.out
	[ "$f" = "$top_srcdir/rules/zonewalld.conf" ] && want=$dir/ok/rules-example.out
	run_cmd "$ZONEWALLD" --check-config -c "$f"
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$out" >"$want"
	tap_is "$rc" 0 "accepted: ${f#"$top_srcdir"/}"
	tap_is "$out" "$(cat "$want")" "effective settings: ${f#"$top_srcdir"/}"
done

for f in "$dir"/bad/*.conf; do
	want=${f%.conf}.err
	run_cmd "$ZONEWALLD" --check-config -c "$f"
	err=${err//"$f"/FILE}
	[ -n "${ZW_GOLDEN_UPDATE:-}" ] && printf '%s\n' "$err" >"$want"
	tap_is "$rc" 2 "refused with exit 2: ${f#"$dir"/}"
	tap_is "$err" "$(cat "$want")" "diagnostics: ${f#"$dir"/}"
	tap_is "$out" "" "nothing on stdout: ${f#"$dir"/}"
done

run_cmd "$ZONEWALLD" --check-config -c "$dir/does-not-exist.conf"
tap_is "$rc" 1 "an unreadable file exits 1"
tap_ok "$(grep -q 'cannot open: No such file or directory' <<<"$err"; echo $?)" \
	"and says why: $err"

tap_done
