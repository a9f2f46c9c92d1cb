#!/bin/bash
# systemd-preboot.sh BUILD_DIR VM_OUT - the e2e-preboot of scenario-systemd.sh
# (run-scenario.sh runs it on the host before the boot): "meson install" of
# the build into a staging directory under the build directory, which the
# guest copies onto / before systemd starts (run-vm-systemd.sh VM_OVERLAY),
# so the guest boots with the project installed as a user installs it.
set -euo pipefail
BUILD=$1
DEST=$BUILD/test/e2e/systemd-destdir
rm -rf "$DEST"
if ! meson install -C "$BUILD" --no-rebuild --destdir "$DEST" > "$DEST.log" 2>&1; then
	cat "$DEST.log" >&2
	echo "systemd-preboot: meson install failed" >&2
	exit 1
fi
for f in usr/sbin/stafd usr/sbin/stacd usr/bin/stafctl usr/bin/stacctl \
	usr/lib/systemd/system/stafd.service usr/lib/systemd/system/stacd.service; do
	[ -e "$DEST/$f" ] || { echo "systemd-preboot: meson install made no /$f" >&2; exit 1; }
done
echo "systemd-preboot: meson install -C $BUILD --destdir $DEST: $(find "$DEST" ! -type d | wc -l) files"
echo "VM_OVERLAY=$DEST"
