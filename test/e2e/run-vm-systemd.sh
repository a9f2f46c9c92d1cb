#!/bin/bash
# run-vm-systemd.sh - like run-vm.sh, but the guest boots systemd as
# PID 1 (the host's systemd, from the read-only 9p host root + tmpfs overlay)
# and runs ONE command as a unit (vm-cmd.service, ordered after the boot
# target), then powers off.  Inside the command, systemctl / journalctl /
# busctl / udevadm talk to a real systemd, D-Bus system bus and systemd-udevd.
#
#   run-vm-systemd.sh [--] COMMAND [ARGS...]
#
# The command runs as root in the guest, in the host's $PWD, stdout/stderr on
# the serial console (= this script's stdout).  Exit status = the command's
# (125: VM failed / no status, 124: timeout).
#
# env (same as run-vm.sh): VM_OUT VM_MEM VM_SMP VM_TIMEOUT VM_ACCEL VM_CPU
#      VM_MACHINE VM_DEBUG VM_NEWID VM_FRESH_TMP VM_HOSTNAME VM_QEMU_EXTRA
#      VM_KCMDLINE_EXTRA VM_BZIMAGE
# systemd mode only:
#      VM_TARGET    boot target the command is ordered after (default multi-user.target;
#                   basic.target boots a little faster)
#      VM_MASK      extra units to mask, comma-separated (e.g. foo.service,bar.socket)
#      VM_NOMASK    units to take out of the default mask list (systemd-mask.list),
#                   comma-separated
#      VM_UDEV_MASK udev rules files to disable, comma-separated
#                   (e.g. 70-nvmf-autoconnect.rules)
#      VM_POWEROFF  SuccessAction= of the command unit: poweroff-immediate (default:
#                   sync + power off, ~0.15 s), poweroff-force (kill all + unmount,
#                   2-6 s), poweroff (orderly: stops every unit first, ~5 s)
#      VM_SYSTEMD_DEBUG=1  systemd.log_level=debug + status on the console
#      VM_OVERLAY   a directory (visible in the guest at the same path, e.g. a
#                   "meson install --destdir" under the build directory)
#                   copied onto the guest's / before systemd starts
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { echo "usage: $0 [--] COMMAND [ARGS...]" >&2; exit 2; }
"$HERE/build-initramfs-systemd.sh" >/dev/null
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
# systemd: no gpt-auto probing of the (absent) disk; on the console only
# failures ("[FAILED] ..."), no "[  OK  ]" lines even when the boot is slow;
# the boot target is given by stage 2 (systemd --unit=$VM_TARGET)
append="$append systemd.gpt_auto=0 systemd.show_status=error"
if [ "${VM_SYSTEMD_DEBUG:-0}" = 1 ]; then
    append="$append systemd.log_level=debug systemd.log_target=console systemd.show_status=1"
fi
append="$append vm.target=${VM_TARGET:-multi-user.target} vm.poweroff=${VM_POWEROFF:-poweroff-immediate}"
[ -n "${VM_MASK:-}" ] && append="$append vm.mask=$VM_MASK"
[ -n "${VM_NOMASK:-}" ] && append="$append vm.nomask=$VM_NOMASK"
[ -n "${VM_UDEV_MASK:-}" ] && append="$append vm.udevmask=$VM_UDEV_MASK"
[ -n "${VM_OVERLAY:-}" ] && append="$append vm.overlay=$(cd "$VM_OVERLAY" && pwd)"
[ "${VM_NEWID:-0}" = 1 ] && append="$append vm.newid=1"
[ -n "${VM_HOSTNAME:-}" ] && append="$append vm.hostname=$VM_HOSTNAME"
[ "${VM_FRESH_TMP:-0}" = 1 ] && append="$append vm.freshtmp=1"
append="$append ${VM_KCMDLINE_EXTRA:-}"

ACCEL=${VM_ACCEL:-tcg}
[ "$ACCEL" = tcg ] && ACCEL="tcg,thread=multi,tb-size=256"
set +e
# VM_QEMU_EXTRA is word-split on purpose
# shellcheck disable=SC2086
timeout --foreground -k 5 "${VM_TIMEOUT:-600}" qemu-system-x86_64 \
    -accel "$ACCEL" -M "${VM_MACHINE:-q35}" -cpu "${VM_CPU:-max}" -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial stdio -monitor none \
    -kernel "$KERNEL" -initrd "$CACHE/initramfs-e2e-systemd.cpio" \
    -append "$append" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$OUT,mount_tag=out,security_model=none" \
    -device virtio-rng-pci \
    ${VM_QEMU_EXTRA:-} < /dev/null
qrc=$?
set -e
if [ $qrc = 124 ]; then echo "run-vm-systemd: timeout after ${VM_TIMEOUT:-600}s" >&2; exit 124; fi
[ -f "$OUT/rc" ] || { echo "run-vm-systemd: no exit status from guest (qemu rc=$qrc)" >&2; exit 125; }
exit "$(cat "$OUT/rc")"
