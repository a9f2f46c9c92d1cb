#!/bin/bash
# bench/vm-reaction.sh BUILD [ROUNDS] - runs INSIDE the guest (bench/vm-run.sh).
#
# issue figure 3: the kernel target's DC on 127.0.0.1:8009 serves 5
# subsystems (ANCHOR.md's reaction set-up: a log of 6 records with the
# current discovery subsystem, past libnvme 1.3's 4-record RAE limit); a 6th
# is linked to the port (-> a discovery log change AEN -> stafd -> stacd ->
# connect) and unlinked again (-> disconnect), ROUNDS times (default 10, =
# 20 consecutive changes).  from the kernel trace:
#   link -> AEN on the host, link -> stafd's first Get Log Page command,
#   link -> stacd's connect written, link -> IOC
#   live (its connect returned); unlink -> AEN, -> log read, unlink -> IOC removed
#   (stacd's delete_controller write returned);
# and, before the daemons run, the kernel's own time for the same target:
# nvme-cli `nvme connect` / `nvme disconnect` of that subsystem, timed
# inside the kernel (nvmf_dev_write, nvme_sysfs_delete) and as whole commands.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD [ROUNDS]}" && pwd)
ROUNDS=${2:-10}
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
R=nqn.2014-08.org.example:bench-r

step "kernel, bus, udev, trace; target with ${R}1..5 on 8009, ${R}6 not linked"
e2e_boot
check "kprobes, trace clock mono" vm_trace_init
check "6 null_blk devices" vm_null_blk 6
check "${R}1..5 linked to 127.0.0.1:8009" vm_target 5 1 8009 $R
check "${R}6 exists" nvmet_subsys ${R}6 /dev/nullb5
check "target listens on 8009" wait_for 10 sh -c 'ss -ltnH | grep -q 127.0.0.1:8009'
[ "$FAIL" = 0 ] || { e2e_finish; exit 1; }

declare -A M
add() { M[$1]="${M[$1]:-} $2"; }
# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
TIMEFORMAT='%R'

# ioc_here NQN: a controller to it exists (builtins only: cheap to poll)
ioc_here() {
	local c q
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/subsysnqn" ] || continue
		read -r q < "$c/subsysnqn" || continue
		[ "$q" = "$1" ] && return 0
	done
	return 1
}
ioc_gone() { ! ioc_here "$1"; }
r6_live() { n_live_io_var; [ "$NLIVE_IO" -ge 6 ]; }
wait_until() {   # TIMEOUT_S CMD...: poll every 50 ms, no fork (CMD: builtins only)
	local end=$((EPOCHSECONDS + $1))
	shift
	until "$@"; do
		[ "$EPOCHSECONDS" -ge $end ] && return 1
		nap 0.05
	done
}

step "the kernel's own connect and disconnect of ${R}6 (nvme-cli), $ROUNDS times"
nvmet_link 1 ${R}6
for ((r = 1; r <= ROUNDS; r++)); do
	vm_trace_clear
	{ time nvme connect -t tcp -a 127.0.0.1 -s 8009 -n ${R}6 > /dev/null 2>&1; } 2> $E2E_RUN/t1
	wait_n_live 1 10 || check "nvme connect ${R}6" false
	{ time nvme disconnect -n ${R}6 > /dev/null 2>&1; } 2> $E2E_RUN/t2
	wait_until 10 ioc_gone ${R}6 || check "nvme disconnect ${R}6" false
	add cli_connect_cmd "$(calc "$(cat $E2E_RUN/t1) * 1000" "%.1f")"
	add cli_disconnect_cmd "$(calc "$(cat $E2E_RUN/t2) * 1000" "%.1f")"
	while read -r k v; do add "$k" "$v"; done < <(vm_trace_events | awk '
		$2 == "fab_in" { a = $1 } $2 == "fab_out" && $5 == "ok" { printf "kernel_connect %.1f\n", ($1 - a) * 1000 }
		$2 == "del_in" { b = $1 } $2 == "del_out" { printf "kernel_disconnect %.1f\n", ($1 - b) * 1000 }')
done
nvmet_unlink 1 ${R}6

step "stafd and stacd"
printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\ncontroller=transport=tcp;traddr=127.0.0.1;trsvcid=8009\n' |
	e2e_conf stafd
: | e2e_conf stacd
vm_forget
vm_start stafd
vm_start stacd
check "stacd connected ${R}1..5" wait_n_live 5 120
sleep 2

step "$ROUNDS rounds: link ${R}6, wait for its IOC, unlink, wait until it is gone"
followed=0
for ((r = 1; r <= ROUNDS; r++)); do
	vm_trace_clear
	mark link
	nvmet_link 1 ${R}6
	wait_until 30 ioc_here ${R}6 && wait_until 30 r6_live && followed=$((followed + 1))
	nap 0.5
	mark unlink
	nvmet_unlink 1 ${R}6
	wait_until 30 ioc_gone ${R}6 && followed=$((followed + 1))
	nap 0.5
	while read -r k v; do add "$k" "$v"; done < <(vm_trace_events | awk -v cpid="${VPID[stacd]}" '
		$2 == "mark" { ph = $5; t[ph] = $1; aen = 0; gl = 0; next }
		$2 == "aen" && !aen { aen = 1; printf "%s_aen %.1f\n", ph, ($1 - t[ph]) * 1000 }
		$2 == "getlog" && !gl { gl = 1; printf "%s_logread %.1f\n", ph, ($1 - t[ph]) * 1000 }
		$2 == "fab_in" && $3 == cpid { w = $1; printf "link_written %.1f\n", ($1 - t["link"]) * 1000 }
		$2 == "fab_out" && $3 == cpid && $5 == "ok" {
			printf "link_live %.1f\nlink_kernel %.1f\n", ($1 - t["link"]) * 1000, ($1 - w) * 1000 }
		$2 == "del_in" && $3 == cpid { d = $1; printf "unlink_written %.1f\n", ($1 - t["unlink"]) * 1000 }
		$2 == "del_out" && $3 == cpid {
			printf "unlink_gone %.1f\nunlink_kernel %.1f\n", ($1 - t["unlink"]) * 1000, ($1 - d) * 1000 }')
done
echo "  trace: $(grep -c nvme_setup_cmd $TR/trace) Get Log Page commands in the last round"
grep -m2 nvme_setup_cmd $TR/trace | sed 's/^/  trace: /'
check "every change followed: $followed of $((2 * ROUNDS))" test $followed = $((2 * ROUNDS))
check "stacd made exactly $ROUNDS connects and $ROUNDS disconnects of ${R}6" \
	test "$(echo "${M[link_live]:-}" | wc -w) $(echo "${M[unlink_gone]:-}" | wc -w)" = "$ROUNDS $ROUNDS"
vm_stop stacd
vm_stop stafd

kc=$(m kernel_connect)
kd=$(m kernel_disconnect)
vm_emit f3.changes_followed "$followed/$((2 * ROUNDS))" changes
vm_emit f3.link_to_aen "$(m link_aen)" ms
vm_emit f3.link_to_stafd_log_read "$(m link_logread)" ms
vm_emit f3.link_to_connect_written "$(m link_written)" ms
vm_emit f3.link_to_ioc_live "$(m link_live)" ms
vm_emit f3.kernel_connect_nvmecli "$kc" ms
vm_emit f3.nvmecli_connect_command "$(m cli_connect_cmd)" ms
vm_emit f3.kernel_connect_stacd "$(m link_kernel)" ms
vm_emit f3.link_to_ioc_live_minus_kernel "$(calc "$(m link_live) - $kc" "%.1f")" ms
vm_emit f3.unlink_to_aen "$(m unlink_aen)" ms
vm_emit f3.unlink_to_stafd_log_read "$(m unlink_logread)" ms
vm_emit f3.unlink_to_disconnect_written "$(m unlink_written)" ms
vm_emit f3.unlink_to_ioc_gone "$(m unlink_gone)" ms
vm_emit f3.kernel_disconnect_nvmecli "$kd" ms
vm_emit f3.nvmecli_disconnect_command "$(m cli_disconnect_cmd)" ms
vm_emit f3.kernel_disconnect_stacd "$(m unlink_kernel)" ms
vm_emit f3.unlink_to_ioc_gone_minus_kernel "$(calc "$(m unlink_gone) - $kd" "%.1f")" ms

e2e_finish
