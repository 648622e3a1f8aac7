#!/bin/bash
# CLI contract: subcommand table, --help, --version, and exit statuses
# (0 success, 1 failure at run time, 2 usage error with a one-line hint).
. "$(dirname "$0")/../lib/common.sh"

run_cmd "$ZONEWALL" --version
tap_is "$rc" 0 "--version exits 0"
tap_ok "$(grep -Eq '^zonewall [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"; echo $?)" "--version prints 'zonewall X.Y.Z': $out"

run_cmd "$ZONEWALL" help
tap_is "$rc" 0 "help exits 0"
tap_ok "$(grep -q '^  links ' <<<"$out"; echo $?)" "help lists links"

run_cmd "$ZONEWALL"
tap_is "$rc" 2 "no command is a usage error"
tap_ok "$(grep -q 'Usage: zonewall COMMAND' <<<"$err"; echo $?)" "and shows the usage on stderr"

run_cmd "$ZONEWALL" frobnicate
tap_is "$rc" 2 "unknown command exits 2"
tap_is "$err" "zonewall: unknown command 'frobnicate'
Try 'zonewall help'." "unknown command names it and hints"

run_cmd "$ZONEWALL" aprove
tap_is "$err" "zonewall: unknown command 'aprove'; did you mean 'approve'?
Try 'zonewall help'." "a mistyped command: did you mean"
run_cmd "$ZONEWALL" stauts
tap_ok "$([ "$rc" = 2 ] && grep -q "did you mean 'status'" <<<"$err"; echo $?)" "two letters swapped: did you mean"
run_cmd "$ZONEWALL" help rview
tap_ok "$([ "$rc" = 2 ] && grep -q "did you mean 'review'" <<<"$err"; echo $?)" "help of a mistyped command too"
run_cmd "$ZONEWALL" learn --durration 3
tap_is "$err" "zonewall learn: invalid option '--durration'; did you mean '--duration'?
Try 'zonewall learn --help'." "a mistyped long option: did you mean"

run_cmd "$ZONEWALL" review -json p.json
tap_is "$err" "zonewall review: invalid option -s in '-json'; did you mean '--json'?
Try 'zonewall review --help'." "a long option typed with one dash: did you mean"
run_cmd "$ZONEWALL" review --wdie p.json
tap_ok "$([ "$rc" = 2 ] && grep -q "did you mean '--wide'" <<<"$err"; echo $?)" "--wdie: did you mean '--wide'"
run_cmd "$ZONEWALLD" --foregrund
tap_is "$rc/$err" "2/zonewalld: invalid option '--foregrund'; did you mean '--foreground'?
Try 'zonewalld --help'." "zonewalld: a mistyped option: did you mean"
run_cmd "$ZONEWALLD" -foreground
tap_ok "$([ "$rc" = 2 ] && grep -q "did you mean '--foreground'" <<<"$err"; echo $?)" \
	"zonewalld: a long option typed with one dash: did you mean"

run_cmd "$ZONEWALL" links --bogus
tap_is "$rc" 2 "unknown option exits 2"
tap_is "$err" "zonewall links: invalid option '--bogus'
Try 'zonewall links --help'." "unknown option names it and hints"

run_cmd "$ZONEWALL" links -x
tap_is "$err" "zonewall links: invalid option -x
Try 'zonewall links --help'." "unknown short option named"

run_cmd "$ZONEWALL" links extra
tap_is "$rc" 2 "stray argument exits 2"
run_cmd "$ZONEWALL" denied --nflog --socket /nonexistent.sock
tap_ok "$([ "$rc" = 2 ] && grep -q 'listen on NFLOG here' <<<"$err"; echo $?)" \
	"denied --nflog with --socket is a usage error naming both"
run_cmd "$ZONEWALL" apply /nonexistent.json --confirm --confirm-within 5
tap_ok "$([ "$rc" = 2 ] && grep -q 'not both' <<<"$err"; echo $?)" \
	"apply --confirm with --confirm-within is a usage error"

run_cmd "$ZONEWALL" links --help
tap_is "$rc" 0 "links --help exits 0"
tap_ok "$(grep -q '^Usage: zonewall links' <<<"$out"; echo $?)" "links --help prints its usage on stdout"

run_cmd "$ZONEWALL" help links
tap_is "$out" "$("$ZONEWALL" links --help)" "help links = links --help"

run_cmd "$ZONEWALL" help nosuch
tap_is "$rc" 2 "help for an unknown command exits 2"

run_cmd "$ZONEWALLD" --version
tap_is "$rc" 0 "zonewalld --version exits 0"
run_cmd "$ZONEWALLD" --bogus
tap_is "$rc" 2 "zonewalld unknown option exits 2"
run_cmd "$ZONEWALLD" -c
tap_is "$rc" 2 "zonewalld -c without a file exits 2"
tap_ok "$(grep -q "needs an argument" <<<"$err"; echo $?)" "and says the argument is missing"

# No runtime answering and no --runtime: a failure that says what to do,
# never a silent inventory-only run (every container would be unknown).
if [ -S /var/run/docker.sock ] || [ -S /run/podman/podman.sock ]; then
	tap_skip "a runtime socket exists here: auto-detection would find it"
else
	printf '{"version": 1, "default_zone": "d", "zones": [{"name": "d", "mode": "enforce"}], "allow": []}\n' \
		>"${TMPDIR:-/tmp}/zw-cli-$$.json"
	for c in "containers" "compile ${TMPDIR:-/tmp}/zw-cli-$$.json" "learn --auto --duration 1 -o ${TMPDIR:-/tmp}/zw-cli-$$-p.json"; do
		run_cmd "$ZONEWALL" $c
		tap_ok "$([ "$rc" = 1 ] && grep -q 'no container runtime answers on .*systemctl enable --now podman.socket.*--runtime none' <<<"$err"; echo $?)" \
			"${c%% *} without a runtime: exit 1, how to enable one or ask for the inventory only"
	done
	run_cmd "$ZONEWALL" compile "${TMPDIR:-/tmp}/zw-cli-$$.json" --runtime none
	tap_is "$rc" 0 "compile --runtime none works from the inventory only"
	rm -f "${TMPDIR:-/tmp}/zw-cli-$$.json"
fi

# One label key for zones: the example policy selects by the key the
# identity rules read (zonewall.zone), as the Kubernetes export writes it.
tap_is "$(jq -c '[.. | objects | .labels? // empty | keys[]] | unique' "$top_srcdir/rules/policy.example.json")" \
	'["zonewall.zone"]' "rules/policy.example.json selects zones by the label zonewall.zone"

# Every subcommand in the table answers --help with exit 0 and a Usage line.
for c in $("$ZONEWALL" help | awk '/^Commands:/ {on=1; next} on {print $1}'); do
	run_cmd "$ZONEWALL" "$c" --help
	tap_ok "$( [ "$rc" -eq 0 ] && grep -q '^Usage: zonewall' <<<"$out"; echo $?)" "$c --help"
done

tap_done
