#!/bin/bash
# run-scenario.sh BUILD_DIR SCENARIO - one e2e scenario (a meson test of
# suite e2e): boots the qemu guest (Debian's kernel from setup-host.sh) and
# runs test/e2e/SCENARIO BUILD_DIR in it.  exit status = the scenario's;
# a guest that does not boot or report is a failure (124 timeout, 125 no
# status), never a skip.  one guest at a time per machine (flock).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: $0 BUILD_DIR SCENARIO}" && pwd)
SCEN=$HERE/${2:?usage: $0 BUILD_DIR SCENARIO}
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
if [ ! -e "$CACHE/kernel/current/.done" ]; then
	echo "run-scenario: no guest kernel in $CACHE: run test/e2e/setup-host.sh" \
		"(scripts/setup-e2e.sh) as root" >&2
	exit 1
fi
for exe in src/stafd/stafd src/stacd/stacd src/ctl/stafctl src/ctl/stacctl \
	test/dc-emulator/nvme-dc-emu test/dc-emulator/nvme-dc-emuctl; do
	[ -x "$BUILD/$exe" ] || { echo "run-scenario: $BUILD/$exe not built" >&2; exit 1; }
done
touch "$CACHE/vm.lock"
start=$(date +%s)
set +e
flock "$CACHE/vm.lock" env VM_SMP="${VM_SMP:-1}" VM_NEWID=1 VM_FRESH_TMP=0 \
	VM_TIMEOUT="${VM_TIMEOUT:-600}" "$HERE/run-vm.sh" "$SCEN" "$BUILD"
rc=$?
set -e
echo "run-scenario: $(basename "$SCEN") rc=$rc in $(( $(date +%s) - start )) s"
exit $rc
