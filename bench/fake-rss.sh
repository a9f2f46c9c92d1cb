#!/bin/bash
# bench/fake-rss.sh [BUILD] - issue figure 1 on the fake backend (the test
# builds stafd-test / stacd-test against fake-kerneld, on a private bus):
# VmRSS, VmHWM and RssAnon of both daemons
#   idle:     nothing configured (zeroconf disabled);
#   e1000:    10 DCs with 100 log entries each (1000 DLPEs in stafd), stacd
#             connected to all 1000 I/O controllers;
#   ioc500:   1 DC with 500 entries, stacd connected to the 500.
# plus, for e1000 and ioc500, the time from stafd's start until every I/O
# controller is connected and both daemons' CPU then (the scale past what
# the VM holds).  medians of BENCH_RUNS (3) fresh environments.
# the test builds carry the fake seam's client (json-glib): a few hundred
# KiB more than the installed daemons (bench/vm-scale.sh measures those).
set -u
# shellcheck source=fake-lib.sh
. "$(dirname "$0")/fake-lib.sh"
BUILD=$(bench_build "${1:-}")
declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
mib() { calc "$1 / 1024" "%.1f"; }
sample() {   # SCENARIO: memory and CPU of both daemons
	local d
	for d in stafd stacd; do
		add "$1.${d}_vmrss" "$(rss_kb "${FAKE_PID[$d]}" VmRSS)"
		add "$1.${d}_vmhwm" "$(rss_kb "${FAKE_PID[$d]}" VmHWM)"
		add "$1.${d}_rssanon" "$(rss_kb "${FAKE_PID[$d]}" RssAnon)"
		add "$1.${d}_cpu" "$(cpu_s "${FAKE_PID[$d]}")"
	done
}
scenario() {   # NAME NDC PER_DC
	local t0
	fake_env_start "$BUILD"
	if [ "$2" = 0 ]; then
		printf '[Service Discovery]\nzeroconf=disabled\n' > "$FAKE_DIR/stafd.conf"
		: > "$FAKE_DIR/stacd.conf"
	else
		fake_setup_dcs "$2" "$3"
	fi
	t0=$EPOCHREALTIME
	fake_daemon_start stafd
	fake_daemon_start stacd
	if [ "$2" != 0 ]; then
		fake_wait_nctrls $(($2 * $3 + $2)) 300 || bench_die "$1: not all connected"
		add "$1.all_connected" "$(calc "$EPOCHREALTIME - $t0")"
	fi
	sleep 2
	sample "$1"
	fake_env_stop
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
	scenario idle 0 0
	scenario e1000 10 100
	scenario ioc500 1 500
done
for s in idle e1000 ioc500; do
	for d in stafd stacd; do
		emit f1.fake.$s.${d}_vmrss "$(mib "$(m $s.${d}_vmrss)")" MiB
		emit f1.fake.$s.${d}_vmhwm "$(mib "$(m $s.${d}_vmhwm)")" MiB
		emit f1.fake.$s.${d}_rssanon "$(mib "$(m $s.${d}_rssanon)")" MiB
	done
done
for s in ioc500 e1000; do
	emit f4.fake.$s.all_connected "$(m $s.all_connected)" s
	emit f4.fake.$s.stacd_cpu "$(m $s.stacd_cpu)" s
	emit f4.fake.$s.stafd_cpu "$(m $s.stafd_cpu)" s
done
