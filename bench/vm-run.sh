#!/bin/bash
# bench/vm-run.sh [BUILD] SCRIPT [ARGS...] - run one guest bench script
# (bench/vm-*.sh) in the e2e tier's qemu guest, the anchors' VM: 2 vCPU,
# 2 GiB, Debian's 6.1 kernel under TCG (test/e2e/setup-host.sh fetched it).
# one guest at a time per machine: waits for /tmp/nvme-qemu/vm.lock like
# test/e2e/run-scenario.sh.  prints the script's figure lines on stdout; the
# guest console goes to $BENCH_LOG_DIR/<script>-<args>.console (default
# /tmp/stas-bench-logs), and to stderr when it fails.
#
# env: BUILD (default: the source tree's build/), VM_SMP (2), VM_MEM (2048),
#      VM_TIMEOUT (900)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
if [ $# -ge 2 ] && [ -d "$1" ]; then
	BUILD=$(bench_build "$1")
	shift
else
	BUILD=$(bench_build)
fi
SCRIPT=${1:?usage: $0 [BUILD] SCRIPT [ARGS...]}
shift
case $SCRIPT in */*) ;; *) SCRIPT=$HERE/$SCRIPT ;; esac
[ -x "$SCRIPT" ] || bench_die "no guest script $SCRIPT"
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}
[ -e "$CACHE/kernel/current/.done" ] ||
	bench_die "no guest kernel in $CACHE: run scripts/setup-e2e.sh (test/e2e/setup-host.sh) as root"
for exe in src/stafd/stafd src/stacd/stacd src/ctl/stafctl src/ctl/stacctl \
	test/dc-emulator/nvme-dc-emu test/dc-emulator/nvme-dc-emuctl; do
	[ -x "$BUILD/$exe" ] || bench_die "$BUILD/$exe not built (ninja -C $BUILD)"
done
LOGS=${BENCH_LOG_DIR:-/tmp/stas-bench-logs}
mkdir -p "$LOGS"
tag=$(basename "$SCRIPT" .sh)
[ $# -gt 0 ] && tag="$tag-$(echo "$*" | tr ' /' '-_')"
console=$LOGS/$tag.console
OUT=$(mktemp -d "$CACHE/bench.XXXXXX")
touch "$CACHE/vm.lock"
start=$(date +%s)
bench_note "$tag: waiting for the VM lock, then booting (console: $console)"
set +e
flock "$CACHE/vm.lock" env VM_SMP="${VM_SMP:-2}" VM_MEM="${VM_MEM:-2048}" VM_NEWID=1 \
	VM_FRESH_TMP=0 VM_OUT="$OUT" VM_TIMEOUT="${VM_TIMEOUT:-900}" \
	"$BENCH_SRC/test/e2e/run-vm.sh" "$SCRIPT" "$BUILD" "$@" > "$console" 2>&1
rc=$?
set -e
bench_note "$tag: rc=$rc in $(($(date +%s) - start)) s (lock wait included)"
[ -f "$OUT/figures.txt" ] && cat "$OUT/figures.txt"
if [ $rc != 0 ]; then
	grep -E '^(FAIL|ok|##|e2e:|[0-9]+ passed)' "$console" | tail -40 >&2 || true
	tail -30 "$console" >&2
fi
rm -rf "$OUT"
exit $rc
