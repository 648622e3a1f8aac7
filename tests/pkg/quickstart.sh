#!/bin/bash
# README.md's daemon quick start, followed as written: the lines of the code
# block between <!-- quickstart-begin --> and <!-- quickstart-end --> run one
# by one, as root, in the directory below the one holding the package built
# here (so the README's ../zonewall_VERSION_*.deb names it; only a version
# that differs is replaced), $EDITOR keeping the installed configuration
# (learn mode, runtime auto).  Each must exit 0; then zonewalld must run
# under its unit, in learn mode, and answer `zonewall daemon-status`.  Then
# the unit is stopped, the package purged and podman.socket put back as it
# was: no package, no zonewalld, no zonewall table is left.
#
# Where PID 1 is not systemd (a container), `systemctl` is a stand-in that
# runs what the units say: `enable --now`/`start` runs the service's
# ExecStartPre lines, then its ExecStart in a session of its own, waiting
# for its READY=1 when it is Type=notify (tests/lib/sd-notify-run); a
# .socket unit starts its service, kept running since nothing activates it;
# `disable --now`/`stop` ends it; `is-active` and `show -p MainPID` report.
# Installs system-wide and starts a daemon in the host's namespace: run it
# alone, under flock /work/zw-host.lock (tools/check runs this tier by itself).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/pkg.sh"
pkg_require
command -v podman >/dev/null || tap_skip_all "no podman (the quick start enables podman.socket)"
readme=$top_srcdir/README.md
block=$(sed -n '/^<!-- quickstart-begin -->$/,/^<!-- quickstart-end -->$/p' "$readme" |
	sed -e '1,/^```/d' -e '/^```/,$d')
[ -n "$block" ] || tap_bail "README.md has no quick start between the quickstart markers"

tmp=$(mktemp -d /tmp/zw-quick.XXXXXX) || tap_bail "mktemp"
installed=0
systemd=0
[ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] && systemd=1
run_podman_was=$([ -e /run/podman ] && echo yes)
podman_put_back() {	# podman.socket as it was; its runtime directory too
	[ "$sock_was" = active ] || systemctl stop podman.socket podman.service >/dev/null 2>&1
	[ -n "$run_podman_was" ] || rmdir /run/podman 2>/dev/null
	return 0
}
cleanup() {
	systemctl disable --now zonewalld >/dev/null 2>&1
	podman_put_back
	[ "$installed" = 0 ] || dpkg --purge zonewall >/dev/null 2>&1
	rm -rf "$tmp"
}

# --- the systemctl stand-in (no systemd as PID 1) ---------------------------------
standin() {
	mkdir -p "$tmp/bin" "$tmp/units"
	cat >"$tmp/bin/systemctl" <<'EOF'
#!/bin/bash
# systemctl stand-in for a host whose PID 1 is not systemd: runs what the
# units say (tests/pkg/quickstart.sh).
dir=${ZW_UNITS:?} notify_run=${ZW_NOTIFY_RUN:?}
unit_file() {
	local d
	for d in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do
		[ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
service_of() { case $1 in *.socket) echo "${1%.socket}.service" ;; *.*) echo "$1" ;; *) echo "$1.service" ;; esac; }
main_pid() { local p; p=$(cat "$dir/$1.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null && echo "$p"; }
key() { sed -n "s/^$1=//p" "$2"; }
start() {	# start UNIT: the service's ExecStartPre lines, then ExecStart
	local svc f cmd d
	svc=$(service_of "$1")
	f=$(unit_file "$svc") || { echo "Unit $svc not found." >&2; return 5; }
	[ -z "$(main_pid "$svc")" ] || return 0
	while read -r e; do [ -z "$e" ] || eval "export $e"; done < <(key Environment "$f")
	for d in $(key RuntimeDirectory "$f"); do mkdir -p "/run/$d"; done
	for d in $(key StateDirectory "$f"); do mkdir -p "/var/lib/$d"; done
	while read -r cmd; do
		[ -z "$cmd" ] || bash -c "$cmd" || { echo "$svc: ExecStartPre failed: $cmd" >&2; return 1; }
	done < <(key ExecStartPre "$f")
	cmd=$(key ExecStart "$f" | head -1)
	# a socket unit's service is started at once and kept running
	case $1 in *.socket) [[ $cmd != *"system service"* ]] || cmd+=" --time=0" ;; esac
	if [ "$(key Type "$f")" = notify ]; then
		"$notify_run" "$dir/$svc.pid" "$dir/$svc.log" 90 bash -c "exec $cmd" ||
			{ echo "$svc: no READY=1 (see $dir/$svc.log)" >&2; return 1; }
		return 0
	fi
	setsid bash -c "exec $cmd" </dev/null >>"$dir/$svc.log" 2>&1 &
	echo $! >"$dir/$svc.pid"
}
stop() {
	local svc p i
	svc=$(service_of "$1")
	p=$(main_pid "$svc") || return 0
	kill "$p"
	for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; read -r -t 0.1 <> <(:); done
	kill -0 "$p" 2>/dev/null && kill -9 "$p"
	rm -f "$dir/$svc.pid"
}
verb=$1; shift
now=0; units=()
for a in "$@"; do
	case $a in --now) now=1 ;; -*) ;; *) units+=("$a") ;; esac
done
case $verb in
enable) ((now)) || exit 0; for u in "${units[@]}"; do start "$u" || exit; done ;;
start) for u in "${units[@]}"; do start "$u" || exit; done ;;
disable) ((now)) || exit 0; for u in "${units[@]}"; do stop "$u"; done ;;
stop) for u in "${units[@]}"; do stop "$u"; done ;;
is-active)
	if [ -n "$(main_pid "$(service_of "${units[0]}")")" ]; then echo active; else echo inactive; exit 3; fi ;;
show) echo "$(main_pid "$(service_of "${units[-1]}")" || echo 0)" ;;
*) echo "systemctl stand-in: $verb is not supported" >&2; exit 1 ;;
esac
EOF
	chmod +x "$tmp/bin/systemctl"
	export PATH=$tmp/bin:$PATH ZW_UNITS=$tmp/units
	export ZW_NOTIFY_RUN=$top_srcdir/tests/lib/sd-notify-run
}
if [ "$systemd" != 1 ]; then
	command -v python3 >/dev/null || tap_skip_all "no systemd as PID 1, and no python3 for the stand-in"
	standin
fi
sock_was=$(systemctl is-active podman.socket 2>/dev/null)
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
tap_diag "systemd is $([ "$systemd" = 1 ] || echo "not ")PID 1$([ "$systemd" = 1 ] || echo ": systemctl is the stand-in")"

# --- the package, where the README's line looks for it -----------------------------
pkg_build
mkdir -p "$tmp/pkgs/src" && mv "$deb" "$tmp/pkgs/" && deb=$tmp/pkgs/${deb##*/}
version=$(dpkg-deb -f "$deb" Version)

# --- the quick start, line by line ------------------------------------------------------
n=0
while IFS= read -r line; do
	[ -n "${line// /}" ] || continue
	cmd=${line//zonewall_0.1.0_/zonewall_${version}_}
	[ "$cmd" = "$line" ] || [ "$version" = 0.1.0 ] || tap_diag "package version $version: $cmd"
	case $cmd in *apt-get\ install*|*dpkg\ -i*) installed=1 ;; esac
	n=$((n + 1))
	(cd "$tmp/pkgs/src" && EDITOR=true DEBIAN_FRONTEND=noninteractive bash -c "$cmd") \
		</dev/null >"$tmp/step.out" 2>&1
	rc=$?
	tap_is "$rc" 0 "README step $n: ${line%%  *}"
	[ "$rc" = 0 ] || tap_diag "$(tail -15 "$tmp/step.out")"
done <<<"$block"
tap_ok "$([ "$n" -ge 5 ]; echo $?)" "the quick start has $n steps"

# --- what it leaves running --------------------------------------------------------------
tap_is "$(systemctl is-active zonewalld)" active "zonewalld.service is active"
pid=$(systemctl show -p MainPID --value zonewalld)
run_cmd zonewall daemon-status --json
tap_ok "$([ "$rc" = 0 ] && [ "$(jq -r .pid <<<"$out")" = "$pid" ] &&
	[ "$(jq -r .mode <<<"$out")" = learn ]; echo $?)" \
	"zonewall daemon-status answers: the unit's daemon (pid $pid), in learn mode"
tap_is "$(readlink "/proc/$pid/exe" 2>/dev/null)" /usr/sbin/zonewalld "it runs the installed binary"

# --- and takes away ----------------------------------------------------------------------
run_cmd systemctl disable --now zonewalld
tap_is "$rc" 0 "systemctl disable --now zonewalld"
tap_ok "$(! kill -0 "$pid" 2>/dev/null; echo $?)" "zonewalld (pid $pid) has stopped"
pkg_dpkg --purge zonewall
tap_is "$rc" 0 "dpkg --purge zonewall"
installed=0
podman_put_back
tap_ok "$(! dpkg-query -W -f='${Status}' zonewall 2>/dev/null | grep -q installed; echo $?)" \
	"no package left"
tap_ok "$(! ls -d /etc/zonewall /var/lib/zonewall /usr/sbin/zonewalld >/dev/null 2>&1; echo $?)" \
	"no file or directory of it left"
tap_is "$(nft list tables 2>/dev/null | grep -c ' zonewall$')" 0 "no zonewall table in the host's namespace"
tap_is "$(systemctl is-active podman.socket 2>/dev/null)" "${sock_was:-inactive}" \
	"podman.socket as it was (${sock_was:-inactive})"
tap_ok "$([ -n "$run_podman_was" ] || [ ! -e /run/podman ]; echo $?)" "so is /run/podman"
tap_done
