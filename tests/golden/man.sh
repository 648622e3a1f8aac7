#!/bin/bash
# zonewall(8) documents every command and every long flag that the
# commands' own --help texts name, and zonewalld(8) zonewalld's: the man
# pages are the reference and cannot fall behind the programs.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZONEWALL" ] || tap_bail "no zonewall binary at $ZONEWALL"

# in_man PAGE TEXT: TEXT (a command or --flag) as the page's roff writes it
in_man() { grep -qF -- "${2//-/\\-}" "$top_srcdir/man/$1"; }

cmds=$("$ZONEWALL" --help | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 }')
tap_ok "$([ "$(wc -w <<<"$cmds")" -ge 20 ]; echo $?)" "zonewall --help lists $(wc -w <<<"$cmds") commands"
missing=()
for c in $cmds; do
	in_man zonewall.8 "zonewall $c" || [ "$c" = help ] || [ "$c" = version ] ||
		missing+=("command $c")
	for f in $("$ZONEWALL" "$c" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		in_man zonewall.8 "$f" || missing+=("$c $f")
	done
done
tap_is "$(printf '%s\n' "${missing[@]}" | sed '/^$/d')" "" "zonewall(8) has every command and flag of --help"
missing=()
for f in $("$ZONEWALLD" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	in_man zonewalld.8 "$f" || missing+=("$f")
done
tap_is "$(printf '%s\n' "${missing[@]}" | sed '/^$/d')" "" "zonewalld(8) has every flag of zonewalld --help"
tap_done
