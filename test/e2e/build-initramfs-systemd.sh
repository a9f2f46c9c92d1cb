#!/bin/bash
# build-initramfs-systemd.sh - build the tiny initramfs for the test guest
# that boots systemd as PID 1 (run-vm-systemd.sh).  Like build-initramfs.sh,
# but stage 1 is initramfs-init-systemd (it also copies /skel: the unit masks
# of systemd-mask.list, generator masks, /run config, the command wrapper
# vm-cmd-systemd), stage 2 is initramfs-init2-systemd.
# Contents: static busybox, the ~11 modules needed to mount the host root over
# virtio-9p and an overlayfs on top of it, /init (stage 1) and init2 (stage 2).
# Output: $NVME_QEMU_CACHE/initramfs-e2e-systemd.cpio (uncompressed: faster under TCG).
# Idempotent: rebuilt only when an input changed.  Run setup-host.sh first.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
KDIR=$(readlink -f "$CACHE/kernel/current")
KVER=$(basename "$KDIR")
OUTF=$CACHE/initramfs-e2e-systemd.cpio
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "no $BUSYBOX: run setup-host.sh" >&2; exit 1; }
[ -d "$KDIR/lib/modules/$KVER" ] || { echo "no kernel in $KDIR: run setup-host.sh" >&2; exit 1; }

# modules needed before the switch to the 9p/overlay root (everything else is
# loaded later with the host's kmod from the full module tree, bind-mounted)
MODS="virtio_pci 9pnet_virtio 9p overlay"

# generators to mask: all of the host's except debug (systemd.mask=/wants= on
# the kernel command line) and run (systemd.run=)
GENS=""
for g in /lib/systemd/system-generators/*; do
    case ${g##*/} in systemd-debug-generator|systemd-run-generator|'*') ;; *) GENS="$GENS ${g##*/}" ;; esac
done
stamp=$( { echo "$KVER $MODS $GENS"; cat "$HERE/initramfs-init-systemd" "$HERE/initramfs-init2-systemd" "$HERE/systemd-mask.list" "$HERE/vm-cmd-systemd" "$0"; md5sum "$BUSYBOX"; } | md5sum | cut -d' ' -f1)
if [ -f "$OUTF" ] && [ "$(cat "$OUTF.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "initramfs up to date: $OUTF"; exit 0
fi

T=$(mktemp -d /tmp/nvme-stas-e2e-initramfs.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/{bin,dev,proc,sys,modules,lower,rw,newroot}
cp "$BUSYBOX" "$T/bin/busybox"
cp "$HERE/initramfs-init-systemd" "$T/init"
cp "$HERE/initramfs-init2-systemd" "$T/init2"
chmod 755 "$T/init" "$T/init2"
# /skel: copied as is into the guest root by stage 1
S=$T/skel
mkdir -p "$S/etc/systemd/system" "$S/etc/systemd/system-generators" "$S/run/vm" \
    "$S/run/systemd/system" "$S/run/systemd/journald.conf.d" "$S/run/systemd/system.conf.d" "$S/run/tmpfiles.d"
grep -v -e '^#' -e '^[[:space:]]*$' "$HERE/systemd-mask.list" | while read -r u; do ln -s /dev/null "$S/etc/systemd/system/$u"; done
for g in $GENS; do ln -s /dev/null "$S/etc/systemd/system-generators/$g"; done
# volatile journal (nothing to flush to /var), no rate limit on test output
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\n' > "$S/run/systemd/journald.conf.d/vm.conf"
# no 90 s stop timeouts hanging around at poweroff
printf '[Manager]\nDefaultTimeoutStopSec=10s\n' > "$S/run/systemd/system.conf.d/vm.conf"
# Debian's tmp.conf has "D /tmp": systemd-tmpfiles-setup (--remove) would empty
# the overlay's /tmp, i.e. hide the host's /tmp (work trees, and the module tree
# that is bind-mounted on /usr/lib/modules!) from the guest
ln -s /dev/null "$S/run/tmpfiles.d/tmp.conf"
install -m 755 "$HERE/vm-cmd-systemd" "$S/run/vm/vm-cmd"
: > "$T/modules/order"
for m in $MODS; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" "$T/modules/"
    basename "$ko" >> "$T/modules/order"
done
# the kernel needs /dev/console in the initramfs for early output
mknod -m 600 "$T/dev/console" c 5 1 2>/dev/null || true
mkdir -p "$CACHE"
( cd "$T" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null ) > "$OUTF.tmp.$$"
mv "$OUTF.tmp.$$" "$OUTF"
echo "$stamp" > "$OUTF.stamp"
echo "built $OUTF ($(du -k "$OUTF" | cut -f1) KiB): $(tr '\n' ' ' < "$T/modules/order")"
