#!/bin/bash
# `make install` gives a service that starts: the binaries, the unit (which
# wants the podman socket it follows), the man pages, the group and
# directories for systemd-sysusers and systemd-tmpfiles, and a configuration
# where zonewalld and the unit look (0600, learn mode) that
# `zonewalld --check-config` accepts as installed, and bash completion.  A
# second install keeps an edited configuration; uninstall removes everything
# else and keeps it.
. "$(dirname "$0")/../lib/common.sh"
[ -f "${top_builddir:-}/Makefile" ] || tap_skip_all "needs the build directory (top_builddir)"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

make -C "$top_builddir" -s install DESTDIR="$dest" >"$dest.out" 2>&1
rc=$?
tap_is "$rc" 0 "make install DESTDIR=... succeeds"
[ "$rc" = 0 ] || tap_diag "$(tail -20 "$dest.out")"
rm -f "$dest.out"
one() { find "$dest" -path "$1" -type f | head -1; }
zw=$(one '*/bin/zonewall') zwd=$(one '*/sbin/zonewalld')
conf=$(one '*/zonewall/zonewalld.conf') unit=$(one '*/systemd/system/zonewalld.service')
tap_ok "$([ -x "$zw" ] && [ -x "$zwd" ]; echo $?)" "zonewall and zonewalld installed (${zw#$dest}, ${zwd#$dest})"
tap_ok "$([ -n "$conf" ] && [ "$(stat -c %a "$conf")" = 600 ] && grep -qx 'mode = learn' "$conf"; echo $?)" \
	"a configuration where zonewalld looks, 0600, learn mode (${conf#$dest})"
tap_ok "$(grep -qx "ExecStart=.*/zonewalld --foreground -c ${conf#$dest}" "$unit" &&
	grep -q '^Wants=.*podman.socket' "$unit"; echo $?)" "the unit runs it with that configuration and wants the podman socket"
tap_ok "$(grep -qx 'g zonewall - -' "$(one '*/sysusers.d/zonewall.conf')"; echo $?)" "sysusers.d makes the group zonewall"
tap_ok "$(grep -q '^d /var/lib/zonewall ' "$(one '*/tmpfiles.d/zonewall.conf')" &&
	grep -q '^d /run/zonewall ' "$(one '*/tmpfiles.d/zonewall.conf')"; echo $?)" "tmpfiles.d makes the state and runtime directories"
comp=$(one '*/bash-completion/completions/zonewall')
tap_ok "$([ -n "$comp" ] && cmp -s "$comp" "$top_srcdir/rules/zonewall.bash-completion" &&
	[ "$(readlink "${comp}d")" = zonewall ]; echo $?)" "bash completion for zonewall, zonewalld a link to it (${comp#$dest})"
tap_is "$(find "$dest" -path '*/man*' -type f -name 'zonewall*' | sed 's|.*/||' | sort | tr '\n' ' ')" \
	"zonewall-policy.5 zonewall.8 zonewalld.8 zonewalld.conf.5 " "the four man pages"
if [ "$(id -u)" -eq 0 ]; then
	run_cmd "$zwd" --check-config -c "$conf"
	tap_ok "$([ "$rc" = 0 ] && grep -q '^mode = learn' <<<"$out"; echo $?)" \
		"the installed zonewalld accepts the installed configuration: rc $rc $err"
else
	tap_skip "not root: zonewalld checks its configuration is root's"
fi

echo "# edited" >>"$conf"
make -C "$top_builddir" -s install DESTDIR="$dest" >/dev/null 2>&1
tap_ok "$(grep -qx '# edited' "$conf"; echo $?)" "a second install keeps an edited configuration"
make -C "$top_builddir" -s uninstall DESTDIR="$dest" >/dev/null 2>&1
tap_is "$(find "$dest" ! -type d | sed "s|^$dest||")" "${conf#$dest}" \
	"uninstall removes every file but the edited configuration"
tap_done
