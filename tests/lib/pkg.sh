# shellcheck shell=bash
# What the package tier's tests share (sourced after common.sh): the checks
# that this host holds no other zonewall installation a purge would take,
# the .deb built from a copy of the source tree, and dpkg waiting for its
# lock.  Each test installs system-wide: run them one at a time, under
# flock /work/zw-host.lock or tools/check.

# pkg_require: skip the whole test unless this host can install and purge
# the package without touching anyone else's zonewall.
pkg_require() {
	local t f
	[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (dpkg -i)"
	for t in dpkg-buildpackage dh fakeroot unshare; do
		command -v "$t" >/dev/null ||
			tap_skip_all "$t missing (apt-get install dpkg-dev debhelper fakeroot util-linux)"
	done
	[ -f "$top_srcdir/debian/control" ] || tap_skip_all "no debian/ in $top_srcdir"
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
}

# pkg_dpkg ARGS...: dpkg, waiting up to two minutes for its lock (apt-get
# elsewhere on the host); output in $tmp/dpkg.out, exit status in $rc.
pkg_dpkg() {
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
pkg_copy_tree() {
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

# pkg_build: build the .deb into $tmp (dpkg-buildpackage writes beside the
# source copy, $tmp/src) and set $deb, one test point; ZW_DEB names a
# package built already, so the tier's tests can share one build.
pkg_build() {
	if [ -n "${ZW_DEB:-}" ]; then
		[ -f "$ZW_DEB" ] || tap_bail "ZW_DEB=$ZW_DEB: no such file"
		cp "$ZW_DEB" "$tmp/" || tap_bail "cannot copy $ZW_DEB"
		deb=$tmp/${ZW_DEB##*/}
		tap_ok 0 "the package built already: ${deb##*/}"
		return
	fi
	pkg_copy_tree || tap_bail "cannot copy $top_srcdir"
	(cd "$tmp/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
		>"$tmp/build.log" 2>&1
	rc=$?
	deb=$(ls "$tmp"/zonewall_*.deb 2>/dev/null | head -1)
	tap_ok "$([ "$rc" = 0 ] && [ -n "$deb" ]; echo $?)" "dpkg-buildpackage -us -uc -b builds ${deb##*/}"
	[ -n "$deb" ] || { tap_diag "$(tail -30 "$tmp/build.log")"; tap_bail "no package"; }
}
