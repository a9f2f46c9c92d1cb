#!/bin/bash
# bench/run-all.sh [BUILD] - every benchmark of bench/, one "name value unit"
# line per figure on stdout (progress on stderr).  run as root from the
# source tree after the README's set-up (scripts/install-deps.sh,
# scripts/setup-e2e.sh, meson setup build && ninja -C build).
#
#   fake backend (the test builds against fake-kerneld, on this machine):
#     fake-rss.sh        figure 1 (1000 DLPEs, 500 IOCs), 4 (past the VM's N)
#     fake-callgrind.sh  figure 4 (instructions per connect, 10 vs 500)
#     fake-ctl.sh        figure 5 (CLIs at 1000 entries)
#     fake-storm.sh      figure 6 (10 000 uevents)
#   the qemu guest (bench/vm-run.sh: one guest at a time, waits for the lock):
#     vm-scale.sh N      figures 1 (idle, N IOCs), 2, 4 (time, CPU), 5, for N = 10 50 100 200
#     vm-reaction.sh     figure 3
#     vm-deadtarget.sh   figure 7 (also builds $BUILD-noprobe: stacd without the B4 probe)
#
# env: BENCH_RUNS (3), BENCH_ONLY="fake vm" (which half), BENCH_NS ("10 50 100 200")
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
BUILD=$(bench_build "${1:-}")
ONLY=${BENCH_ONLY:-fake vm}
NS=${BENCH_NS:-10 50 100 200}
rc=0
bench_machine
echo "# build: $BUILD ($(meson introspect --buildoptions "$BUILD" 2> /dev/null |
	grep -o '"name": "buildtype", "value": "[a-z]*"' | sed 's/.*"value": //'))"

if [[ " $ONLY " == *" fake "* ]]; then
	for s in fake-rss fake-callgrind fake-ctl fake-storm; do
		bench_note "$s"
		"$HERE/$s.sh" "$BUILD" || rc=1
	done
fi
if [[ " $ONLY " == *" vm "* ]]; then
	# stacd without the B4 probe, for vm-deadtarget.sh
	NOPROBE=${BENCH_NOPROBE_BUILD:-$BUILD-noprobe}
	if [ ! -d "$NOPROBE" ]; then
		meson setup "$NOPROBE" "$BENCH_SRC" -Dbuildtype=debugoptimized -Dtests=false \
			-Dman=false -Dc_args=-DSTAS_BENCH_NO_TCP_PROBE >&2 || rc=1
	fi
	ninja -C "$NOPROBE" src/stacd/stacd >&2 || rc=1
	first=1
	for n in $NS; do
		# idle memory with the first guest
		"$HERE/vm-run.sh" "$BUILD" vm-scale.sh "$n" "$BENCH_RUNS" ${first:+idle} || rc=1
		first=
	done
	"$HERE/vm-run.sh" "$BUILD" vm-reaction.sh 10 || rc=1
	"$HERE/vm-run.sh" "$BUILD" vm-deadtarget.sh "$NOPROBE" "$BENCH_RUNS" || rc=1
fi
exit $rc
