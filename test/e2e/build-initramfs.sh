#!/bin/bash
# build-initramfs.sh - build the tiny initramfs for the NVMe/TCP test guest.
# Contents: static busybox, the ~11 modules needed to mount the host root over
# virtio-9p and an overlayfs on top of it, /init (stage 1) and init2 (stage 2).
# Output: $NVME_QEMU_CACHE/initramfs-e2e.cpio (uncompressed: faster under TCG).
# Idempotent: rebuilt only when an input changed.  Run setup-host.sh first.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
KDIR=$(readlink -f "$CACHE/kernel/current")
KVER=$(basename "$KDIR")
OUTF=$CACHE/initramfs-e2e.cpio
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "no $BUSYBOX: run setup-host.sh" >&2; exit 1; }
[ -d "$KDIR/lib/modules/$KVER" ] || { echo "no kernel in $KDIR: run setup-host.sh" >&2; exit 1; }

# modules needed before the switch to the 9p/overlay root (everything else is
# loaded later with the host's kmod from the full module tree, bind-mounted)
MODS="virtio_pci 9pnet_virtio 9p overlay"

stamp=$( { echo "$KVER $MODS"; cat "$HERE/initramfs-init" "$HERE/initramfs-init2" "$0"; md5sum "$BUSYBOX"; } | md5sum | cut -d' ' -f1)
if [ -f "$OUTF" ] && [ "$(cat "$OUTF.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "initramfs up to date: $OUTF"; exit 0
fi

T=$(mktemp -d /tmp/nvme-stas-e2e-initramfs.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/{bin,dev,proc,sys,modules,lower,rw,newroot}
cp "$BUSYBOX" "$T/bin/busybox"
cp "$HERE/initramfs-init" "$T/init"
cp "$HERE/initramfs-init2" "$T/init2"
chmod 755 "$T/init" "$T/init2"
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
