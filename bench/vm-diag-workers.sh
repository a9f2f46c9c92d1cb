#!/bin/bash
# bench/vm-diag-workers.sh BUILD OTHER_STACD [N] [RUNS] - runs INSIDE the guest:
# stacd as built vs another stacd binary (an experiment, e.g. one connect
# worker instead of 4), interleaved, N I/O controllers; per run: exec ->
# all live, the connect phase, modprobe and nvme_tcp_create_ctrl totals.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD OTHER_STACD [N] [RUNS]}" && pwd)
OTHER=${2:?OTHER_STACD}
N=${3:-100}
RUNS=${4:-3}
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
IO=nqn.2014-08.org.example:bench-io
e2e_boot
check "trace" vm_trace_init
check "$N null_blk devices" vm_null_blk "$N"
check "$N subsystems" vm_target "$N" 1 8009 $IO
check "other stacd" test -x "$OTHER"
printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\ncontroller=transport=tcp;traddr=127.0.0.1;trsvcid=8009\n' | e2e_conf stafd
: | e2e_conf stacd
one() {   # NAME EXE
	vm_forget
	vm_trace_clear
	vm_dbusmon_start
	mark_sync
	vm_start stafd
	vm_start stacd "$2"
	wait_n_live "$N" 600 || check "$1 connected" false
	nap 2
	local c f
	c=$(cpu_s "${VPID[stacd]}")
	f=$(cpu_s "${VPID[stafd]}")
	vm_dbusmon_stop
	echo "  $1 run $r: stacd_cpu $c stafd_cpu $f $(vm_daemon_metrics "${VPID[stafd]}" "${VPID[stacd]}" "$N" | tr '\n' ' ')"
	vm_stop stacd
	vm_stop stafd
	vm_disconnect_all
}
for ((r = 1; r <= RUNS; r++)); do
	one asbuilt "$STACD"
	one other "$OTHER"
done
check "done" true
e2e_finish
