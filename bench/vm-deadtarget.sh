#!/bin/bash
# bench/vm-deadtarget.sh BUILD NOPROBE_BUILD [RUNS] - runs INSIDE the guest (bench/vm-run.sh).
#
# issue figure 7: a dead target among 50 live ones.  the project's DC
# emulator (test/dc-emulator) on 127.0.0.1:8009 serves a log whose FIRST
# entry names 10.99.0.2:4420, an address routed to a dummy interface that
# swallows every packet (a host that is down: no RST, no ICMP; nvme-tcp gives
# up its connect after one SYN retry, ~3 s, holding the kernel's
# nvmf_dev_mutex all that time), followed by 50 subsystems of the kernel
# target on 127.0.0.1:4420 (null_blk namespaces).  RUNS times, interleaved:
#   probe:   stacd as built (SPEC B4: a TCP probe before the kernel connect);
#   noprobe: stacd of NOPROBE_BUILD (compiled with -DSTAS_BENCH_NO_TCP_PROBE:
#            the same daemon without the probe);
#   nodead:  stacd as built, the dead entry removed from the log (the baseline);
#   nvme-cli connect-all with the dead entry (the anchor).
# figure: time from stafd's exec until the 50 live ones are connected, and
# how long the kernel's connect mutex was held by connects to the dead one
# (nvme_tcp_create_ctrl calls that failed).
set -u
BUILD=$(cd "${1:?usage: $0 BUILD NOPROBE_BUILD [RUNS]}" && pwd)
NOPROBE=$(cd "${2:?NOPROBE_BUILD}" && pwd)/src/stacd/stacd
RUNS=${3:-3}
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
D=nqn.2014-08.org.example:bench-d
DEAD=10.99.0.2
NLIVE=50

entries() {   # [dead]: the log, as the DC emulator's JSON entries array
	local i sep=
	printf '['
	if [ "${1:-}" = dead ]; then
		printf '{"trtype":"tcp","adrfam":"ipv4","subtype":"nvme","traddr":"%s","trsvcid":"4420","subnqn":"%sdead"}' $DEAD $D
		sep=,
	fi
	for ((i = 1; i <= NLIVE; i++)); do
		printf '%s{"trtype":"tcp","adrfam":"ipv4","subtype":"nvme","traddr":"127.0.0.1","trsvcid":"4420","subnqn":"%s%d"}' "$sep" $D $i
		sep=,
	done
	printf ']'
}
dead_net() {
	ip link add bench0 type dummy && ip addr add 10.99.0.1/24 dev bench0 && ip link set bench0 up
}

step "kernel, bus, udev, trace; $NLIVE subsystems on 127.0.0.1:4420; $DEAD swallowed by a dummy interface"
e2e_boot
check "kprobes, trace clock mono" vm_trace_init
check "$NLIVE null_blk devices" vm_null_blk $NLIVE
check "${D}1..$NLIVE linked to 127.0.0.1:4420" vm_target $NLIVE 2 4420 $D
check "$DEAD routed to a dummy interface (packets vanish)" dead_net
check "the stacd without the probe is built" test -x "$NOPROBE"
"$DC_EMU" --address 127.0.0.1 --port 8009 --dctype none --control $E2E_RUN/dc.sock \
	--die-with-parent > $E2E_RUN/dc-emu.log 2>&1 &
check "DC emulator on 127.0.0.1:8009" wait_for 10 grep -q READY $E2E_RUN/dc-emu.log
[ "$FAIL" = 0 ] || { e2e_finish; exit 1; }
dcctl() { "$DC_EMUCTL" --socket $E2E_RUN/dc.sock "$@" > /dev/null; }

printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\ncontroller=transport=tcp;traddr=127.0.0.1;trsvcid=8009\n' |
	e2e_conf stafd
: | e2e_conf stacd

declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
TIMEFORMAT='%R'

# run VARIANT STACD_EXE LOG
run() {
	local v=$1 exe=$2 log=$3
	step "run $r/$RUNS: $v"
	dcctl set-entries "{\"entries\":$(entries "$log"),\"notify\":false}" || check "$v: log set" false
	vm_forget
	vm_trace_clear
	mark_sync
	vm_start stafd
	vm_start stacd "$exe"
	if ! wait_n_live $NLIVE 300; then
		check "run $r $v: the $NLIVE live ones connected" false
		return
	fi
	nap 1
	local cpid=${VPID[stacd]}
	vm_stop stacd
	vm_stop stafd
	grep -c 'Connection established' $E2E_RUN/stacd.log | sed "s/^/  $v: 'Connection established' lines so far: /"
	grep -i 'dead\|10.99.0.2' $E2E_RUN/stacd.log | tail -3 | sed "s/^/  $v: /"
	while read -r k x; do add "${v}_$k" "$x"; done < <(vm_trace_events | awk -v cpid="$cpid" -v n=$NLIVE '
		$2 == "mark" && $5 == "exec" && $6 == "stafd" { t0 = $1 }
		$2 == "cc_in" && $3 == cpid { s[$4] = $1 }
		$2 == "cc_out" && $3 == cpid && $5 == "err" { nerr++; held += $1 - s[$4] }
		$2 == "fab_out" && $3 == cpid && $5 == "ok" { if (++ok == n) printf "live %.3f\n", $1 - t0 }
		END { printf "dead_connects %d\ndead_mutex_held %.3f\n", nerr, held }')
	check "run $r $v: all disconnected" vm_disconnect_all
}

for ((r = 1; r <= RUNS; r++)); do
	run probe "$STACD" dead
	run noprobe "$NOPROBE" dead
	run nodead "$STACD" live
	step "run $r/$RUNS: nvme-cli connect-all"
	dcctl set-entries "{\"entries\":$(entries dead),\"notify\":false}"
	vm_trace_clear
	{ time nvme connect-all -t tcp -a 127.0.0.1 -s 8009 > /dev/null 2>&1; } 2> $E2E_RUN/t
	check "run $r: connect-all connected the $NLIVE" test "$(n_live_io)" = $NLIVE
	add cli_live "$(cat $E2E_RUN/t)"
	check "run $r: all disconnected after connect-all" vm_disconnect_all
done

p=f7
vm_emit $p.probe.all_live "$(m probe_live)" s
vm_emit $p.noprobe.all_live "$(m noprobe_live)" s
vm_emit $p.nodead.all_live "$(m nodead_live)" s
vm_emit $p.nvmecli_connect_all_with_dead "$(m cli_live)" s
vm_emit $p.probe.dead_connects "$(m probe_dead_connects)" count
vm_emit $p.noprobe.dead_connects "$(m noprobe_dead_connects)" count
vm_emit $p.probe.dead_mutex_held "$(m probe_dead_mutex_held)" s
vm_emit $p.noprobe.dead_mutex_held "$(m noprobe_dead_mutex_held)" s
vm_emit $p.probe_vs_nodead "$(calc "$(m probe_live) / $(m nodead_live)")" x
vm_emit $p.noprobe_vs_nodead "$(calc "$(m noprobe_live) / $(m nodead_live)")" x

e2e_finish
