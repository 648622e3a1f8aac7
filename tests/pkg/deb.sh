#!/bin/bash
# The Debian package round trip on this machine: build the .deb from a copy
# of the source tree (dpkg-buildpackage writes into the parent directory),
# install it with dpkg, check the installed layout, run the installed
# zonewalld in learn mode in a private network namespace with the installed
# configuration's settings, then purge it and check that nothing is left:
# no file of the package, no /etc/zonewall, no state, no group.
# Installs system-wide: run it alone (tools/check runs this tier by itself).
. "$(dirname "$0")/../lib/common.sh"
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (dpkg -i)"
for t in dpkg-buildpackage dh fakeroot unshare; do
	command -v "$t" >/dev/null ||
		tap_skip_all "$t missing (apt-get install dpkg-dev debhelper fakeroot util-linux)"
done
[ -f "$top_srcdir/debian/control" ] || tap_skip_all "no debian/ in $top_srcdir"
# what a purge would take from the host must be ours
dpkg-query -W -f='${Status}' zonewall 2>/dev/null | grep -q 'ok installed' &&
	tap_skip_all "the zonewall package is installed already"
for f in /usr/bin/zonewall /usr/sbin/zonewalld /etc/zonewall /var/lib/zonewall; do
	[ ! -e "$f" ] || tap_skip_all "$f exists (another installation)"
done
getent group zonewall >/dev/null && tap_skip_all "the group zonewall exists (another installation)"
for f in /run/zonewall/*.lock; do
	[ ! -e "$f" ] || flock -n -s "$f" true ||
		tap_skip_all "a live zonewalld holds $f (purge removes /run/zonewall)"
done

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

# dpkg_run ARGS...: dpkg, waiting up to two minutes for its lock (apt-get
# elsewhere on the host); output in $tmp/dpkg.out, exit status in $rc.
dpkg_run() {
	local deadline=$((SECONDS + 120))
	while :; do
		dpkg "$@" >"$tmp/dpkg.out" 2>&1
		rc=$?
		[ $rc -ne 0 ] && grep -q 'lock' "$tmp/dpkg.out" && [ $SECONDS -lt $deadline ] || return 0
		read -r -t 0.5 <> <(:) 2>/dev/null || true
	done
}

# The source tree as a checkout has it (tracked and unignored files; no
# build directories), or the whole tree without them when it is no checkout.
copy_tree() {
	local top
	mkdir -p "$tmp/src"
	top=$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)
	if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
		(cd "$top_srcdir" && git ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
			done | tar --null -T - -cf -) | tar -C "$tmp/src" -xf -
	else
		tar -C "$top_srcdir" --exclude=./build --exclude='./build-*' --exclude=./_build \
			--exclude=./_inst --exclude=./autom4te.cache -cf - . | tar -C "$tmp/src" -xf -
	fi
}

# --- build --------------------------------------------------------------------
copy_tree || tap_bail "cannot copy $top_srcdir"
(cd "$tmp/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1
rc=$?
deb=$(ls "$tmp"/zonewall_*.deb 2>/dev/null | head -1)
tap_ok "$([ "$rc" = 0 ] && [ -n "$deb" ]; echo $?)" "dpkg-buildpackage -us -uc -b builds ${deb##*/}"
[ -n "$deb" ] || { tap_diag "$(tail -30 "$tmp/build.log")"; tap_bail "no package"; }

# --- install --------------------------------------------------------------------
installed=1	# from here on the cleanup purges (a half install too)
dpkg_run -i "$deb"
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
dpkg_run --purge zonewall
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
