#!/bin/bash
# The Debian package round trip on this machine: build the .deb from a copy
# of the source tree (dpkg-buildpackage writes into the parent directory),
# install it with dpkg, check the installed layout, run the installed
# zonewalld in learn mode in a private network namespace with the installed
# configuration's settings, then purge it and check that nothing is left:
# no file of the package, no /etc/zonewall, no state, no group.
# Installs system-wide: run it alone (tools/check runs this tier by itself).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pkg.sh"
pkg_require

tmp=$(mktemp -d /tmp/zw-deb.XXXXXX) || tap_bail "mktemp"
installed=0 zwd_pid=
cleanup() {
	if [ -n "$zwd_pid" ]; then
		kill "$zwd_pid" 2>/dev/null && wait "$zwd_pid" 2>/dev/null
	fi
	[ "$installed" = 0 ] || dpkg --purge zonewall >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- build --------------------------------------------------------------------
pkg_build

# --- install --------------------------------------------------------------------
installed=1	# from here on the cleanup purges (a half install too)
pkg_dpkg -i "$deb"
tap_is "$rc" 0 "dpkg -i installs it"
[ "$rc" = 0 ] || tap_diag "$(tail -20 "$tmp/dpkg.out")"
dpkg -L zonewall >"$tmp/files"

tap_ok "$([ -x /usr/bin/zonewall ] && [ -x /usr/sbin/zonewalld ]; echo $?)" \
	"zonewall in /usr/bin, zonewalld in /usr/sbin"
tap_is "$(grep -E '^/usr/share/man/man[58]/zonewall' "$tmp/files" | sed 's|.*/||' | sort | tr '\n' ' ')" \
	"zonewall-policy.5.gz zonewall.8.gz zonewalld.8.gz zonewalld.conf.5.gz " "the four man pages"
unit=$(grep -E '/lib/systemd/system/zonewalld\.service$' "$tmp/files" | head -1)
tap_ok "$([ -f "$unit" ] &&
	grep -qx 'ExecStart=/usr/sbin/zonewalld --foreground -c /etc/zonewall/zonewalld.conf' "$unit" &&
	grep -q '^Wants=.*podman.socket' "$unit"; echo $?)" "the unit ($unit) runs the installed daemon, wants podman.socket"
tap_ok "$(! ls /etc/systemd/system/*.wants/zonewalld.service >/dev/null 2>&1; echo $?)" \
	"the unit is not enabled (a firewall starts after review)"
conf=/etc/zonewall/zonewalld.conf
tap_is "$(stat -c '%a %U' "$conf" 2>&1)" "600 root" "$conf: 0600, root's"
tap_ok "$(dpkg-query -W -f='${Conffiles}\n' zonewall | grep -q "^ $conf "; echo $?)" "$conf is a conffile"
tap_ok "$(getent group zonewall >/dev/null; echo $?)" "the group zonewall exists"
tap_is "$(stat -c '%a %U %G' /var/lib/zonewall 2>&1)" "750 root zonewall" "/var/lib/zonewall: 0750 root:zonewall"
tap_ok "$([ -f /usr/share/bash-completion/completions/zonewall ] &&
	[ -e /usr/share/bash-completion/completions/zonewalld ]; echo $?)" "bash completion of zonewall and zonewalld"

run_cmd /usr/sbin/zonewalld --check-config
tap_ok "$([ "$rc" = 0 ] && grep -q '^mode = learn' <<<"$out"; echo $?)" \
	"zonewalld --check-config accepts the installed configuration (learn): rc $rc $err"

# --- run: the installed configuration, with the state in $tmp, no runtime,
# checkpoints every second, in a network namespace of its own ------------------
zconf=$tmp/zonewalld.conf sock=$tmp/zonewalld.sock state=$tmp/state
sed -e "s|^state_dir = .*|state_dir = $state|" -e "s|^audit_log = .*|audit_log = $state/audit.log|" \
	-e "s|^control_socket = .*|control_socket = $sock|" -e 's|^runtime = .*|runtime = none|' \
	-e 's|^checkpoint_interval = .*|checkpoint_interval = 1|' "$conf" >"$zconf"
chmod 0600 "$zconf"
unshare -n /usr/sbin/zonewalld --foreground -c "$zconf" 2>"$tmp/zwd.log" &
zwd_pid=$!
wait_for 10 /usr/bin/zonewall daemon-status --socket "$sock"
tap_is "$?" 0 "the installed zonewalld answers zonewall daemon-status"
run_cmd /usr/bin/zonewall daemon-status --socket "$sock" --json
tap_ok "$(grep -q "\"pid\": $zwd_pid" <<<"$out" && grep -q '"mode": "learn"' <<<"$out"; echo $?)" \
	"it is the daemon started here, in learn mode"
wait_for 10 test -s "$state/proposal.json"
tap_is "$?" 0 "it checkpoints a proposal into its state directory"
kill "$zwd_pid"
wait "$zwd_pid"
tap_is "$?" 0 "it stops at SIGTERM with exit 0"
zwd_pid=
grep -q . "$tmp/zwd.log" && tap_diag "zonewalld's log:" "$(head -20 "$tmp/zwd.log")"

# --- purge ---------------------------------------------------------------------
pkg_dpkg --purge zonewall
tap_is "$rc" 0 "dpkg --purge removes it"
installed=0
left=$(while read -r f; do
	[ -d "$f" ] && continue	# /usr/bin and the like (directories it shares)
	[ ! -e "$f" ] && [ ! -L "$f" ] || echo "$f"
done <"$tmp/files")
tap_is "$left" "" "no file of the package is left"
left=$(ls -d /etc/zonewall /var/lib/zonewall /run/zonewall /usr/share/zonewall \
	/usr/share/doc/zonewall 2>/dev/null)
tap_is "$left" "" "no directory of it is left"
tap_ok "$(! getent group zonewall >/dev/null; echo $?)" "the group zonewall is gone"
tap_ok "$(! dpkg-query -W -f='${Status}' zonewall 2>/dev/null | grep -q installed; echo $?)" \
	"dpkg knows it no more"
tap_done
