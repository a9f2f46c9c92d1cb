#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# install tier: "meson install" of the current build into a DESTDIR, then
#  - the installed file list equals expected-files.txt (REFERENCE 7.2 with
#    --prefix=/usr), nothing more, nothing less; file modes;
#  - the units name our binaries (no python) and pass "systemd-analyze
#    verify" in a root made of the DESTDIR and the host's own units
#    (Documentation= man pages included; no running systemd needed);
#  - the udev rule example is what stafd writes at run time.
#
# test-install.sh BUILDDIR SRCDIR MAN(true|false) PREFIX SYSCONFDIR BINDIR SBINDIR
#                 DATADIR MANDIR UNITDIR
set -eu

BUILDDIR=$1 SRCDIR=$2 MAN=$3 PREFIX=$4 SYSCONFDIR=$5 BINDIR=$6 SBINDIR=$7
DATADIR=$8 MANDIR=$9
shift 9
UNITDIR=$1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# ---- install ----
if ! meson install -C "$BUILDDIR" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log" >&2
	echo "FAIL: meson install" >&2
	exit 1
fi

# ---- the file list ----
# expected-files.txt is written for the default layout; map it to this
# build's directories (the longest prefixes first)
sed -e "s|^/usr/lib/systemd/system/|$UNITDIR/|" \
	-e "s|^/usr/share/man/|$MANDIR/|" \
	-e "s|^/usr/share/|$DATADIR/|" \
	-e "s|^/usr/sbin/|$SBINDIR/|" \
	-e "s|^/usr/bin/|$BINDIR/|" \
	-e "s|^/etc/|$SYSCONFDIR/|" \
	-e '/^#/d' -e '/^$/d' "$SRCDIR/test/install/expected-files.txt" >"$tmp/expected.unsorted"
if [ "$MAN" != true ]; then
	grep -v "^$MANDIR/" "$tmp/expected.unsorted" >"$tmp/expected.nomans" || true
	mv "$tmp/expected.nomans" "$tmp/expected.unsorted"
fi
LC_ALL=C sort "$tmp/expected.unsorted" >"$tmp/expected"
(cd "$dest" && find . ! -type d | sed 's|^\.||' | LC_ALL=C sort) >"$tmp/actual"
if ! diff -u "$tmp/expected" "$tmp/actual" >"$tmp/list.diff"; then
	cat "$tmp/list.diff" >&2
	fail "installed files differ from test/install/expected-files.txt (- expected, + installed)"
fi

# ---- modes: programs 0755, everything else 0644, all regular files ----
while read -r f; do
	[ -e "$dest$f" ] || continue
	case "$f" in
	"$BINDIR"/* | "$SBINDIR"/*) want=755 ;;
	*) want=644 ;;
	esac
	[ -f "$dest$f" ] && [ ! -L "$dest$f" ] || fail "$f is not a regular file"
	mode=$(stat -c %a "$dest$f")
	[ "$mode" = "$want" ] || fail "$f has mode $mode, not $want"
done <"$tmp/expected"

# ---- units: our binaries, no python ----
units=$dest$UNITDIR
grep -qx "ExecStart=$SBINDIR/stafd --syslog" "$units/stafd.service" ||
	fail "stafd.service: ExecStart is not \"$SBINDIR/stafd --syslog\""
grep -qx "ExecStart=$SBINDIR/stacd --syslog" "$units/stacd.service" ||
	fail "stacd.service: ExecStart is not \"$SBINDIR/stacd --syslog\""
grep -qx "ExecStart=$BINDIR/stasadm %i -f /etc/nvme/%i" "$units/stas-config@.service" ||
	fail "stas-config@.service: ExecStart is not \"$BINDIR/stasadm %i -f /etc/nvme/%i\""
if grep -n -i python "$units"/*; then
	fail "a unit mentions python"
fi

# ---- systemd-analyze verify, in a root holding the host's units and ours ----
root=$tmp/root
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/bin"
cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
# ours last, so that an installed nvme-stas package on the host does not count
cp -a "$dest/." "$root/"
cp /usr/bin/kill "$root/usr/bin/kill"
for d in bin sbin lib; do
	[ -e "$root/$d" ] || ln -s "usr/$d" "$root/$d"
done
if [ "$MAN" = true ]; then
	man_check="--man=yes"
else
	man_check="--man=no"
fi
if ! (cd "$root" && MANPATH=$dest$MANDIR systemd-analyze verify --root="$root" $man_check \
	"$UNITDIR/stafd.service" "$UNITDIR/stacd.service" "$UNITDIR/stas-config.target" \
	"$UNITDIR/stas-config@hostnqn.service" "$UNITDIR/stas-config@hostid.service") \
	>"$tmp/verify.log" 2>&1; then
	fail "systemd-analyze verify"
fi
# a warning (unknown key, bad value) is a failure too
if [ -s "$tmp/verify.log" ]; then
	cat "$tmp/verify.log" >&2
	fail "systemd-analyze verify printed messages"
fi

# ---- the udev rule example is what stafd writes (systemctl in /usr/bin) ----
python3 - "$SRCDIR/src/stafd/stafd-service.c" "$tmp/rule.expected" <<'PY' || fail "cannot extract udev_rule_content() from stafd-service.c"
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r'\nudev_rule_content\(.*?\n}\n', src, re.S)
body = m.group(0)
# the C string literals, in order, joined as the compiler would
lits = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
text = ''.join(lits)
text = text.encode().decode('unicode_escape')
text = text.replace('%s', '/usr/bin/systemctl', 1)
open(sys.argv[2], 'w').write(text)
PY
if ! diff -u "$tmp/rule.expected" "$dest$DATADIR/doc/nvme-stas/examples/70-nvmf-autoconnect.rules"; then
	fail "udev/70-nvmf-autoconnect.rules differs from udev_rule_content() of stafd"
fi

[ "$failed" -eq 0 ] || exit 1
echo "installed $(wc -l <"$tmp/actual") files as expected; units verified"
