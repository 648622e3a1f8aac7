#!/bin/bash
# Bash completion knows every command `zonewall --help` lists and no other,
# every long flag each command's --help prints and no other, the long name
# of each short flag, which flags take a value, and zonewalld's flags: the
# completion script cannot drift from the programs.  Asked without
# bash-completion loaded, and again with it when it is installed.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZONEWALL" ] && [ -x "$ZONEWALLD" ] || tap_skip_all "zonewall and zonewalld not built"
script=$top_srcdir/rules/zonewall.bash-completion
bc=/usr/share/bash-completion/bash_completion
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ask [BASH-COMPLETION]: answer each line of stdin in a fresh bash with the
# script loaded.  "c WORD..." completes the last word ("@" is an empty one):
# the candidates, sorted; "f FUNCTION ARG...": the function's output.
ask() {
	bash -c '
		[ -z "$2" ] || . "$2"
		. "$1"
		while read -r kind line; do
			read -ra w <<<"$line"
			[ "${w[-1]}" != @ ] || w[-1]=
			if [ "$kind" = f ]; then
				echo $("${w[@]}")
				continue
			fi
			COMP_WORDS=("${w[@]}") COMP_CWORD=$((${#w[@]} - 1))
			COMP_LINE="${w[*]}" COMP_POINT=${#COMP_LINE} COMPREPLY=()
			"$(complete -p "${w[0]}" | sed -E "s/.*-F ([^ ]+) .*/\1/")" \
				"${w[0]}" "${w[-1]}" "${w[-2]:-}"
			printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ *$//"
			echo
		done' ask "$script" "${1:-}"
}

# "SHORT|--LONG|VALUE" per option line of a --help text on stdin
options() {
	sed -nE 's/^ +(-([A-Za-z0-9]), )?(--[a-z0-9][a-z0-9-]*)( ([^ ]+))?( {2,}.*)?$/\2|\3|\5/p'
}
sorted() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ *$//'; }

commands=$("$ZONEWALL" --help | awk '/^Commands:/ {on = 1; next} on && NF {print $1}')
[ -n "$commands" ] || tap_bail "zonewall --help lists no commands"

# the questions, and the answers --help gives to them
: >"$tmp/q" && : >"$tmp/want" && : >"$tmp/what"
q() {	# q QUESTION WANT WHAT
	echo "$1" >>"$tmp/q"
	echo "$2" >>"$tmp/want"
	echo "$3" >>"$tmp/what"
}
q "c zonewall @" "$(sorted <<<"$commands")" "every command of zonewall --help, and no other"
q "c zonewall --" "--help --version" "the flags before a command"
for prog in $commands zonewalld; do
	if [ "$prog" = zonewalld ]; then
		"$ZONEWALLD" --help >"$tmp/help" 2>&1
		words="zonewalld" name=zonewalld
	else
		"$ZONEWALL" "$prog" --help >"$tmp/help" 2>&1
		words="zonewall $prog" name="zonewall $prog"
	fi
	options <"$tmp/help" >"$tmp/opts"
	q "c $words --" "$(cut -d'|' -f2 "$tmp/opts" | sorted)" "$name: every long flag of its --help, and no other"
	[ "$prog" != zonewalld ] || continue
	while IFS='|' read -r short long value; do
		[ -z "$short" ] ||
			q "f _zonewall_long $prog -$short" "$long" "$name: -$short is $long"
		q "f _zonewall_value $prog $long" "${value:+yes}" "$name: $long ${value:-takes no value}"
	done <"$tmp/opts"
done
# values, the operands of help, and a file
q "c zonewall flows --format @" "json table tsv" "flows --format: its formats"
q "c zonewall export -f @" "dot k8s svg" "export -f: its formats"
q "c zonewall review --html $top_srcdir/rules/policy.ex" \
	"$top_srcdir/rules/policy.example.json" "review --html FILE: files"
q "c zonewall flows --format=t" "table tsv" "--format=VALUE"
q "c zonewall help da" "daemon-status" "help COMMAND"
q "c zonewall review --policy $top_srcdir/rules/policy.ex" \
	"$top_srcdir/rules/policy.example.json" "--policy FILE: files"
q "c zonewalld -c $top_srcdir/rules/zonewalld.c" "$top_srcdir/rules/zonewalld.conf" "zonewalld -c FILE: files"

# _zonewall_value answers a kind; the test only asks whether there is one
ask <"$tmp/q" | sed -E 's/^(file|iface|bridge|runtime|any|words .*)$/yes/' >"$tmp/got"
exec 3<"$tmp/want" 4<"$tmp/what"
while IFS= read -r got; do
	IFS= read -r want <&3
	IFS= read -r what <&4
	tap_is "$got" "$want" "$what"
done <"$tmp/got"
exec 3<&- 4<&-
tap_is "$(wc -l <"$tmp/got")" "$(wc -l <"$tmp/q")" "every question answered"

if [ -f "$bc" ]; then
	ask "$bc" <"$tmp/q" | sed -E 's/^(file|iface|bridge|runtime|any|words .*)$/yes/' >"$tmp/got-bc"
	cmp -s "$tmp/got" "$tmp/got-bc"
	same=$?
	tap_ok "$same" "the same answers with bash-completion loaded"
	[ "$same" = 0 ] || tap_diag "$(diff "$tmp/got" "$tmp/got-bc" | head -20)"
else
	tap_skip "bash-completion not installed"
fi
tap_done
