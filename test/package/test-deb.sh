#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# package tier: build the Debian package from a copy of the source tree with
# "dpkg-buildpackage -us -uc -b", then check the .deb: its file list (the
# layout of REFERENCE 7.2, Debian style), its conffiles, its maintainer
# scripts and its dependencies.
#
# test-deb.sh SRCDIR
set -eu

SRC=$1
HERE=$SRC/test/package

for tool in dpkg-buildpackage dpkg-deb dh; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL: $tool not found (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/nvme-stas
mkdir "$tree"
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# ---- a clean copy: the files git knows (tracked or new, not ignored) ----
if git -C "$SRC" rev-parse --show-toplevel >/dev/null 2>&1; then
	git -C "$SRC" ls-files --cached --others --exclude-standard |
		tar -C "$SRC" -cf - --ignore-failed-read --no-recursion -T - 2>/dev/null |
		tar -C "$tree" -xf -
else
	tar -C "$SRC" -cf - --exclude='./build*' --exclude='./.build*' --exclude=./.git . |
		tar -C "$tree" -xf -
fi
[ -x "$tree/debian/rules" ] || {
	echo "FAIL: the copy has no debian/rules" >&2
	exit 1
}

# ---- build ----
jobs=$(nproc 2>/dev/null || echo 1)
if ! (cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$jobs" \
	dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	tail -n 60 "$tmp/build.log" >&2
	echo "FAIL: dpkg-buildpackage -us -uc -b" >&2
	exit 1
fi
arch=$(dpkg --print-architecture)
version=$(cd "$tree" && dpkg-parsechangelog -S Version)
deb=$tmp/nvme-stas_${version}_$arch.deb
[ -f "$deb" ] || {
	ls "$tmp" >&2
	echo "FAIL: $deb was not built" >&2
	exit 1
}

# ---- the files ----
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' | LC_ALL=C sort \
	>"$tmp/actual"
sed -e '/^#/d' -e '/^$/d' "$HERE/expected-deb-files.txt" | LC_ALL=C sort >"$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/actual"; then
	fail "the .deb's files differ from test/package/expected-deb-files.txt (- expected, + in the .deb)"
fi

# ---- control: conffiles, scripts, dependencies ----
dpkg-deb -e "$deb" "$tmp/DEBIAN"
printf '/etc/stas/stacd.conf\n/etc/stas/stafd.conf\n/etc/stas/sys.conf.doc\n' >"$tmp/conffiles"
LC_ALL=C sort "$tmp/DEBIAN/conffiles" | diff -u "$tmp/conffiles" - ||
	fail "conffiles are not the three files of /etc/stas"
grep -q 'stasadm "$id" -f "/etc/nvme/$id"' "$tmp/DEBIAN/postinst" ||
	fail "postinst does not create the host identity"
grep -q 'org.freedesktop.DBus.ReloadConfig' "$tmp/DEBIAN/postinst" ||
	fail "postinst does not reload the bus configuration"
# dh_installsystemd's snippet, exactly once (a stray debhelper token in a
# comment would repeat it)
for unit in stafd.service stacd.service; do
	n=$(grep -c "deb-systemd-helper enable '$unit'" "$tmp/DEBIAN/postinst" || true)
	[ "$n" -eq 1 ] || fail "postinst enables $unit $n times, not once"
done
grep -q 'rm -f /etc/stas/sys.conf' "$tmp/DEBIAN/postrm" || fail "postrm does not purge sys.conf"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in libnvme1 libglib2.0-0 libavahi-client3 libjson-glib-1.0-0 libsystemd0 \
	default-dbus-system-bus; do
	case "$depends" in
	*"$dep"*) ;;
	*) fail "Depends lacks $dep: $depends" ;;
	esac
done

# ---- the units in the package run our binaries ----
dpkg-deb -x "$deb" "$tmp/root"
grep -qx 'ExecStart=/usr/sbin/stafd --syslog' "$tmp/root/lib/systemd/system/stafd.service" ||
	fail "stafd.service in the .deb does not run /usr/sbin/stafd --syslog"
"$tmp/root/usr/sbin/stafd" --version >"$tmp/version" 2>&1 || fail "stafd --version failed"
grep -q "^nvme-stas " "$tmp/version" || fail "stafd --version: $(cat "$tmp/version")"

[ "$failed" -eq 0 ] || exit 1
echo "built $(basename "$deb") with $(wc -l <"$tmp/actual") files as expected"
