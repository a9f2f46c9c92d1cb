#!/bin/sh
# the README's demo command.  as root on Debian 12: installs the dependencies
# (build + the e2e tier: qemu, nvme-cli, udev, the pinned Debian kernel for
# the guest), builds the daemons, CLIs and DC emulator in build-demo, boots a
# qemu guest and shows the main job with real output: a central discovery
# controller (the project's DC emulator) discovered and registered with, its
# log page, the I/O controllers stacd connects on the kernel NVMe/TCP target,
# a zoning change followed, `stafctl` / `stacctl` / `nvme list` views.
#
#   scripts/demo.sh            (DEMO_SKIP_DEPS=1: do not run apt)
set -eu

cd "$(dirname "$0")/.."
SRC=$(pwd)
BUILD=$SRC/build-demo
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
start=$(date +%s)

if [ "${DEMO_SKIP_DEPS:-0}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "demo: run as root (it installs packages and the guest kernel)" >&2
		exit 1
	fi
	echo "=== dependencies (scripts/install-deps.sh, scripts/setup-e2e.sh)"
	"$SRC/scripts/install-deps.sh"
	"$SRC/scripts/setup-e2e.sh"
fi

echo "=== build ($BUILD)"
if [ -d "$BUILD/meson-private" ]; then
	meson setup --reconfigure "$BUILD" > /dev/null
else
	meson setup "$BUILD" > /dev/null
fi
ninja -C "$BUILD" src/stafd/stafd src/stacd/stacd src/ctl/stafctl src/ctl/stacctl \
	src/ctl/stasadm \
	test/dc-emulator/nvme-dc-emu test/dc-emulator/nvme-dc-emuctl | tail -1

echo "=== boot the test guest (qemu, Debian's kernel) and run the demo in it"
touch "$CACHE/vm.lock"
rcfile=$(mktemp)
{
	set +e
	flock "$CACHE/vm.lock" env VM_SMP="${VM_SMP:-2}" VM_NEWID=1 VM_TIMEOUT=300 \
		"$SRC/test/e2e/run-vm.sh" "$SRC/test/e2e/demo-guest.sh" "$BUILD"
	echo $? > "$rcfile"
} | grep -v -e '^VM-READY' -e '^VM-DONE' -e 'reboot: Power down'
rc=$(cat "$rcfile")
rm -f "$rcfile"
echo "=== demo finished in $(( $(date +%s) - start )) s (rc=$rc)"
exit $rc
