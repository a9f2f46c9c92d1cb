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
# per-scenario settings, from lines in the scenario's own header; without
# them: the plain guest (run-vm.sh), nothing run before the boot.
#   # e2e-vm: RUNNER     the guest runner in test/e2e, e.g. run-vm-systemd.sh
#   # e2e-preboot: CMD   test/e2e/CMD BUILD_DIR VM_OUT runs on the host before
#                        the boot (e.g. writes a firmware table into VM_OUT).
#                        it prints VM_NAME=VALUE lines: VM_QEMU_EXTRA and
#                        VM_KCMDLINE_EXTRA are added to, others set; other
#                        lines are shown as they are
directive() { sed -n "s/^# e2e-$1: *//p" "$SCEN" | head -n1; }
RUNNER=$(directive vm)
PREBOOT=$(directive preboot)
if [ -n "$PREBOOT" ]; then
	VM_OUT=${VM_OUT:-$(mktemp -d "$CACHE/run.XXXXXX")}
	export VM_OUT
	if ! settings=$("$HERE/$PREBOOT" "$BUILD" "$VM_OUT"); then
		echo "run-scenario: $PREBOOT failed" >&2
		exit 1
	fi
	while IFS= read -r line; do
		name=${line%%=*}
		value=${line#*=}
		if [[ ! $line =~ ^VM_[A-Z_]+= ]]; then
			[ -z "$line" ] || echo "$line"
			continue
		fi
		case $name in
		VM_QEMU_EXTRA | VM_KCMDLINE_EXTRA) value="${!name:-} $value" ;;
		esac
		export "$name=$value"
	done <<<"$settings"
fi
touch "$CACHE/vm.lock"
start=$(date +%s)
set +e
flock "$CACHE/vm.lock" env VM_SMP="${VM_SMP:-1}" VM_NEWID=1 VM_FRESH_TMP=0 \
	VM_TIMEOUT="${VM_TIMEOUT:-600}" "$HERE/${RUNNER:-run-vm.sh}" "$SCEN" "$BUILD"
rc=$?
set -e
echo "run-scenario: $(basename "$SCEN") rc=$rc in $(( $(date +%s) - start )) s"
exit $rc
