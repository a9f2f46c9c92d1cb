#!/bin/bash
# bench/fake-ctl.sh [BUILD] - issue figure 5 on the fake backend: wall time of
# `stafctl ls`, `stafctl adlp`, `stacctl ls` (and `stacctl status`) with 1000
# entries: stafd holds 10 DCs with 100 log entries each, stacd the 1000 I/O
# controllers it connected.  BENCH_RUNS environments (default 3), each
# command timed 3 times in each; the median of all.  "floor" is the same
# program started without any D-Bus call (`stafctl --version`).
set -u
# shellcheck source=fake-lib.sh
. "$(dirname "$0")/fake-lib.sh"
BUILD=$(bench_build "${1:-}")
declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
cli_ms() {
	local t=$EPOCHREALTIME
	"$@" > /dev/null || bench_die "$* failed"
	calc "($EPOCHREALTIME - $t) * 1000" "%.1f"
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
	fake_env_start "$BUILD"
	fake_setup_dcs 10 100
	fake_daemon_start stafd
	fake_daemon_start stacd
	fake_wait_nctrls 1010 120 || bench_die "1000 I/O controllers not connected"
	sleep 1
	for ((i = 0; i < 3; i++)); do
		add floor "$(cli_ms "$STAFCTL" --version)"
		add stafctl_ls "$(cli_ms "$STAFCTL" ls)"
		add stafctl_adlp "$(cli_ms "$STAFCTL" adlp)"
		add stacctl_ls "$(cli_ms "$STACCTL" ls)"
		add stacctl_status "$(cli_ms "$STACCTL" status)"
	done
	[ "$("$STAFCTL" adlp | grep -c "subnqn")" -ge 1000 ] || bench_note "stafctl adlp shows fewer than 1000 entries"
	fake_env_stop
done
for k in floor stafctl_ls stafctl_adlp stacctl_ls stacctl_status; do
	emit f5.fake.e1000.$k "$(m $k)" ms
done
