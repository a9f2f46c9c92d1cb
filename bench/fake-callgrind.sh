#!/bin/bash
# bench/fake-callgrind.sh [BUILD] - issue figure 4, instructions: userspace
# instructions (valgrind callgrind, Ir, all threads) per connect with 10 vs
# 500 controllers already on the host (SPEC B5: flat cost per connect).
# stafd-test and stacd-test run under callgrind with instrumentation off
# until the measured window; in the window the DC's log gains K=10 entries
# and stacd connects them; Ir in the window / K.  two kinds of "existing":
#   own:      the DC's log already names the N controllers stacd connected
#             (the change is a log of N + K entries: stafd reads it, stacd
#             fetches and compares all of it, so part of the work is O(N) per
#             change, shared by the K connects);
#   foreign:  N controllers someone else connected (nvme-cli), in no log;
#             the DC's log has 10 entries, then 10 + K.
# and per uevent (B5 says both): with 10 vs 500 I/O controllers connected,
# 2000 plain "change" uevents on one of them (bench/fake-storm.sh's plain
# storm), Ir of each daemon in the window / 2000.
# medians of BENCH_RUNS (3) fresh environments; the ratio 500 / 10 shows B5.
set -u
# shellcheck source=fake-lib.sh
. "$(dirname "$0")/fake-lib.sh"
BUILD=$(bench_build "${1:-}")
command -v valgrind > /dev/null || bench_die "no valgrind (scripts/install-deps.sh)"
K=10
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555
declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
CG=(valgrind --tool=callgrind --instr-atstart=no --dump-instr=no)

# window NAME NCTRLS_AFTER SET_ENTRIES_JSON: the measured change
window() {
	local d f
	for d in stafd stacd; do
		callgrind_control -z "${FAKE_PID[$d]}" > /dev/null 2>&1
		callgrind_control -i on "${FAKE_PID[$d]}" > /dev/null 2>&1
	done
	fk set-entries "$3" > /dev/null || bench_die "set-entries"
	fake_wait_nctrls "$2" 300 || bench_die "$1: the $K new controllers not connected"
	sleep 1
	for d in stafd stacd; do
		callgrind_control -i off "${FAKE_PID[$d]}" > /dev/null 2>&1
		rm -f "$FAKE_DIR"/cg.$d.*
		callgrind_control -d "${FAKE_PID[$d]}" > /dev/null 2>&1
		f=
		for f in "$FAKE_DIR"/cg."$d".*.*; do break; done
		[ -f "$f" ] || bench_die "no callgrind dump of $d"
		add "$1.$d" "$(awk '/^totals:/ { print $2 / '$K'; exit }' "$f")"
	done
}

cg_start() {   # under callgrind, each with its own output file
	FAKE_START_S=300 fake_daemon_start stafd "${CG[@]}" --callgrind-out-file="$FAKE_DIR/cg.stafd.%p"
	FAKE_START_S=300 fake_daemon_start stacd "${CG[@]}" --callgrind-out-file="$FAKE_DIR/cg.stacd.%p"
}

own() {   # N
	local n=$1
	fake_env_start "$BUILD"
	fake_setup_dcs 1 $((n + K))
	fk set-entries "{\"name\":\"dc0\",\"entries\":$(json_entries 127.2 nqn.2014-08.com.example:io 0 "$n")}" > /dev/null
	cg_start
	fake_wait_nctrls $((n + 1)) 600 || bench_die "own $n: not connected"
	sleep 2
	window "own$n" $((n + K + 1)) \
		"{\"name\":\"dc0\",\"entries\":$(json_entries 127.2 nqn.2014-08.com.example:io 0 $((n + K)))}"
	fake_env_stop
}

foreign() {   # N
	local n=$1 i
	fake_env_start "$BUILD"
	fake_setup_dcs 1 $((10 + K))
	declare_subsystems 127.3 nqn.2014-08.com.example:foreign 0 "$n"
	for ((i = 0; i < n; i++)); do
		printf '{"op":"fabrics-write","options":"nqn=nqn.2014-08.com.example:foreign%04d,transport=tcp,traddr=127.3.%d.%d,trsvcid=4420,hostnqn=%s"}\n' \
			$i $((i / 250)) $((i % 250 + 1)) $HOSTNQN
	done | fk_batch || bench_die "foreign connects"
	fk set-entries "{\"name\":\"dc0\",\"entries\":$(json_entries 127.2 nqn.2014-08.com.example:io 0 10)}" > /dev/null
	cg_start
	fake_wait_nctrls $((n + 10 + 1)) 600 || bench_die "foreign $n: not connected"
	sleep 2
	window "foreign$n" $((n + 10 + K + 1)) \
		"{\"name\":\"dc0\",\"entries\":$(json_entries 127.2 nqn.2014-08.com.example:io 0 $((10 + K)))}"
	fake_env_stop
}

EVENTS=2000
uevents() {   # N
	local n=$1 d f r0
	fake_env_start "$BUILD"
	fake_setup_dcs 1 "$n"
	cg_start
	fake_wait_nctrls $((n + 1)) 600 || bench_die "uevents $n: not connected"
	sleep 2
	for d in stafd stacd; do
		callgrind_control -z "${FAKE_PID[$d]}" > /dev/null 2>&1
		callgrind_control -i on "${FAKE_PID[$d]}" > /dev/null 2>&1
	done
	r0=$(fk stats | grep -o '"read-ctrl":[0-9]*' | cut -d: -f2)
	fk storm "{\"device\":\"nvme1\",\"count\":$EVENTS,\"props\":{\"BENCH\":\"storm\"}}" > /dev/null
	# the end: one NVME_EVENT=connected after them makes each daemon re-read nvme1
	fk event '{"device":"nvme1","props":{"NVME_EVENT":"connected"}}' > /dev/null
	for ((i = 0; i < 6000; i++)); do
		[ "$(fk stats | grep -o '"read-ctrl":[0-9]*' | cut -d: -f2)" -ge $((r0 + 2)) ] && break
		sleep 0.1
	done
	for d in stafd stacd; do
		callgrind_control -i off "${FAKE_PID[$d]}" > /dev/null 2>&1
		rm -f "$FAKE_DIR"/cg."$d".*
		callgrind_control -d "${FAKE_PID[$d]}" > /dev/null 2>&1
		f=
		for f in "$FAKE_DIR"/cg."$d".*.*; do break; done
		[ -f "$f" ] || bench_die "no callgrind dump of $d"
		add "uevent$n.$d" "$(awk '/^totals:/ { print $2 / '$EVENTS'; exit }' "$f")"
	done
	fake_env_stop
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
	for n in 10 500; do
		own $n
		foreign $n
		uevents $n
	done
done
for kind in own foreign; do
	for d in stacd stafd; do
		a=$(m $kind"10.$d")
		b=$(m $kind"500.$d")
		emit f4.callgrind.$kind.n10.${d}_ir_per_connect "$(calc "$a" "%.0f")" Ir
		emit f4.callgrind.$kind.n500.${d}_ir_per_connect "$(calc "$b" "%.0f")" Ir
		emit f4.callgrind.$kind.${d}_ratio_500_vs_10 "$(calc "$b / $a" "%.2f")" x
	done
done
for d in stacd stafd; do
	a=$(m "uevent10.$d")
	b=$(m "uevent500.$d")
	emit f6.callgrind.n10.${d}_ir_per_uevent "$(calc "$a" "%.0f")" Ir
	emit f6.callgrind.n500.${d}_ir_per_uevent "$(calc "$b" "%.0f")" Ir
	emit f6.callgrind.${d}_ratio_500_vs_10 "$(calc "$b / $a" "%.2f")" x
done
