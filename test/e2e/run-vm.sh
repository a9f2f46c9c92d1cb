#!/bin/bash
# run-vm.sh - boot Debian's kernel under qemu (TCG) with the host root shared
# read-only (virtio-9p + tmpfs overlay in the guest) and run ONE command in it.
#
#   run-vm.sh [--] COMMAND [ARGS...]
#
# The command runs as root (PID 1's child) in the guest, with the current
# directory set to the host's $PWD (same path in the guest), stdout/stderr on
# the serial console (= this script's stdout).  The exit status of run-vm.sh is
# the command's exit status (125: VM failed / no status, 124: timeout).
#
# env: VM_OUT      per-run writable dir shared rw into the guest at the same path
#                  (default: a fresh mktemp dir under $NVME_QEMU_CACHE; kept)
#      VM_MEM (MiB, default 1024)  VM_SMP (default 2)  VM_TIMEOUT (s, default 600)
#      VM_ACCEL (default tcg; "kvm" only works with a kernel that can run on the host's KVM)
#      VM_CPU (default max)  VM_MACHINE (default q35)  VM_DEBUG=1 (full kernel log on console)
#      VM_NEWID=1 (fresh machine-id/hostnqn/hostid in the guest)
#      VM_FRESH_TMP=1 (empty tmpfs on /tmp and /var/tmp instead of the host's)
#      VM_HOSTNAME  VM_QEMU_EXTRA (extra qemu args, word-split)
#      VM_KCMDLINE_EXTRA (extra kernel command line)
#      VM_BZIMAGE=1 (boot the compressed bzImage through SeaBIOS instead of PVH)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { echo "usage: $0 [--] COMMAND [ARGS...]" >&2; exit 2; }
"$HERE/build-initramfs.sh" >/dev/null
KDIR=$(readlink -f "$CACHE/kernel/current")
KVER=$(basename "$KDIR")
# uncompressed vmlinux = PVH direct boot (~3 s faster under TCG than the bzImage)
KERNEL=$KDIR/boot/vmlinux-$KVER
[ -f "$KERNEL" ] && [ "${VM_BZIMAGE:-0}" != 1 ] || KERNEL=$KDIR/boot/vmlinuz-$KVER

OUT=${VM_OUT:-$(mktemp -d "$CACHE/run.XXXXXX")}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
rm -f "$OUT/rc"
{
    echo "#!/bin/bash"
    printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
    printf 'export VM_OUT=%q\n' "$OUT"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$OUT/cmd.sh"
chmod +x "$OUT/cmd.sh"

quiet="quiet loglevel=3"; [ "${VM_DEBUG:-0}" = 1 ] && quiet="loglevel=7"
append="console=ttyS0 panic=-1 $quiet mitigations=off nokaslr tsc=reliable"
append="$append vm.out=$OUT vm.kmod=$KDIR/lib/modules"
[ "${VM_NEWID:-0}" = 1 ] && append="$append vm.newid=1"
[ -n "${VM_HOSTNAME:-}" ] && append="$append vm.hostname=$VM_HOSTNAME"
[ "${VM_FRESH_TMP:-0}" = 1 ] && append="$append vm.freshtmp=1"
append="$append ${VM_KCMDLINE_EXTRA:-}"

ACCEL=${VM_ACCEL:-tcg}
[ "$ACCEL" = tcg ] && ACCEL="tcg,thread=multi,tb-size=256"
set +e
timeout --foreground -k 5 "${VM_TIMEOUT:-600}" qemu-system-x86_64 \
    -accel "$ACCEL" -M "${VM_MACHINE:-q35}" -cpu "${VM_CPU:-max}" -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial stdio -monitor none \
    -kernel "$KERNEL" -initrd "$CACHE/initramfs-e2e.cpio" \
    -append "$append" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$OUT,mount_tag=out,security_model=none" \
    -device virtio-rng-pci \
    ${VM_QEMU_EXTRA:-} < /dev/null
qrc=$?
set -e
if [ $qrc = 124 ]; then echo "run-vm: timeout after ${VM_TIMEOUT:-600}s" >&2; exit 124; fi
[ -f "$OUT/rc" ] || { echo "run-vm: no exit status from guest (qemu rc=$qrc)" >&2; exit 125; }
exit "$(cat "$OUT/rc")"
