#!/bin/bash
# bench/fake-storm.sh [BUILD] - issue figure 6 on the fake backend: a storm of
# 10 000 nvme uevents on one I/O controller, injected by fake-kerneld into
# both daemons' uevent streams while they hold a DC and 10 I/O controllers.
#   connected: 10 000 "change" events with NVME_EVENT=connected (each makes
#              both daemons re-read the controller: one read-ctrl request to
#              the fake kernel per event and daemon, so the fake kernel's
#              counter proves every event was processed, none lost, none twice);
#   plain:     10 000 "change" events without NVME_EVENT (index update and
#              callbacks only); a last NVME_EVENT=connected event after them
#              marks the end (delivery is in order);
#   counted:   the plain storm again with tron on: each daemon logs one debug
#              line per event it processed, counted;
#   plain500:  the plain storm with 500 I/O controllers on the host (SPEC B5:
#              the cost per uevent does not grow with the controllers).
# figures: wall time until all were processed, CPU per event of each daemon
# (user + system, /proc/PID/stat), events processed vs sent.  medians of
# BENCH_RUNS (3) fresh environments.
set -u
# shellcheck source=fake-lib.sh
. "$(dirname "$0")/fake-lib.sh"
BUILD=$(bench_build "${1:-}")
COUNT=${STORM_COUNT:-10000}
declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
reads() { fk stats | grep -o '"read-ctrl":[0-9]*' | cut -d: -f2; }
wait_reads() {   # TARGET TIMEOUT_S
	local end
	end=$(calc "$EPOCHREALTIME + $2")
	until [ "$(reads)" -ge "$1" ]; do
		awk -v a="$EPOCHREALTIME" -v b="$end" 'BEGIN { exit !(a > b) }' && return 1
		sleep 0.02
	done
}
storm() {   # NAME PROPS: one storm, then its figures
	local name=$1 props=$2 r0 t0 f0 c0 expect
	r0=$(reads)
	f0=$(cpu_s "${FAKE_PID[stafd]}")
	c0=$(cpu_s "${FAKE_PID[stacd]}")
	t0=$EPOCHREALTIME
	fk storm "{\"device\":\"$DEV\",\"count\":$COUNT,\"props\":$props}" > /dev/null ||
		bench_die "storm refused"
	if [ "$name" != connected ]; then
		# the end: one NVME_EVENT=connected after them (delivery is in order)
		fk event "{\"device\":\"$DEV\",\"props\":{\"NVME_EVENT\":\"connected\"}}" > /dev/null
		expect=$((r0 + 2))
	else
		expect=$((r0 + 2 * COUNT))
	fi
	wait_reads $expect 300 || bench_die "$name: not all processed: $(($(reads) - r0)) reads"
	add "$name.wall" "$(calc "$EPOCHREALTIME - $t0")"
	add "$name.stafd_us" "$(calc "($(cpu_s "${FAKE_PID[stafd]}") - $f0) * 1e6 / $COUNT" "%.1f")"
	add "$name.stacd_us" "$(calc "($(cpu_s "${FAKE_PID[stacd]}") - $c0) * 1e6 / $COUNT" "%.1f")"
	sleep 0.5
	if [ "$name" = connected ]; then
		# each daemon re-read the controller once per event
		add connected.processed "$((($(reads) - r0) / 2))"
	fi
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
	fake_env_start "$BUILD"
	fake_setup_dcs 1 10
	fake_daemon_start stafd
	fake_daemon_start stacd
	fake_wait_nctrls 11 60 || bench_die "not connected"
	sleep 1
	DEV=$(fk list-ctrls | grep -o '"device":"nvme[0-9]*"[^}]*"cntrltype":"io"' | head -1 |
		sed 's/"device":"\(nvme[0-9]*\)".*/\1/')
	[ -n "$DEV" ] || bench_die "no I/O controller"
	storm connected '{"NVME_EVENT":"connected"}'
	storm plain '{"BENCH":"storm"}'
	fake_daemon_stop stacd
	fake_daemon_stop stafd
	# counted: tron on, one debug line per event processed
	printf '[Global]\ntron=true\n' >> "$FAKE_DIR/stacd.conf"
	sed -i '1i [Global]\ntron=true' "$FAKE_DIR/stafd.conf"
	fake_daemon_start stafd
	fake_daemon_start stacd
	sleep 1
	nf=$(grep -c "udev: $DEV change" "$FAKE_DIR/stafd.log")
	nc=$(grep -c "udev: $DEV change" "$FAKE_DIR/stacd.log")
	storm counted '{"BENCH":"storm"}'
	add counted.stafd_processed "$(($(grep -c "udev: $DEV change" "$FAKE_DIR/stafd.log") - nf - 1))"
	add counted.stacd_processed "$(($(grep -c "udev: $DEV change" "$FAKE_DIR/stacd.log") - nc - 1))"
	fake_env_stop
	fake_env_start "$BUILD"
	fake_setup_dcs 1 500
	fake_daemon_start stafd
	fake_daemon_start stacd
	fake_wait_nctrls 501 120 || bench_die "not connected"
	sleep 1
	storm plain500 '{"BENCH":"storm"}'
	fake_env_stop
done
emit f6.sent "$COUNT" events
emit f6.connected.processed_per_daemon "$(m connected.processed)" events
emit f6.connected.wall "$(m connected.wall)" s
emit f6.connected.stafd_cpu_per_event "$(m connected.stafd_us)" us
emit f6.connected.stacd_cpu_per_event "$(m connected.stacd_us)" us
emit f6.plain.wall "$(m plain.wall)" s
emit f6.plain.stafd_cpu_per_event "$(m plain.stafd_us)" us
emit f6.plain.stacd_cpu_per_event "$(m plain.stacd_us)" us
emit f6.counted.stafd_processed "$(m counted.stafd_processed)" events
emit f6.counted.stacd_processed "$(m counted.stacd_processed)" events
emit f6.counted.wall "$(m counted.wall)" s
emit f6.plain500.wall "$(m plain500.wall)" s
emit f6.plain500.stafd_cpu_per_event "$(m plain500.stafd_us)" us
emit f6.plain500.stacd_cpu_per_event "$(m plain500.stacd_us)" us
