#!/bin/bash
# bench/vm-scale.sh BUILD N [RUNS] [idle] - runs INSIDE the guest (bench/vm-run.sh).
#
# the kernel target serves N subsystems on 127.0.0.1:8009, each with a
# namespace on its own null_blk device (ANCHOR.md's set-up); then RUNS times,
# interleaved:
#   a. stafd and stacd started together, as their units would be (stafd.conf:
#      that DC, zeroconf disabled; stacd.conf empty), until the N I/O
#      controllers are live, 2 s of settling, then their CPU and memory and
#      the CLIs' wall time; stopped, everything disconnected, state forgotten;
#   b. nvme-cli `connect-all` to the same DC (the anchor of the same run),
#      then disconnected.
# "idle" first measures the memory of both daemons with nothing to do.
# figures (medians of the runs): issue figures 1 (VM), 2, 4 (time, CPU), 5 (VM).
set -u
BUILD=$(cd "${1:?usage: $0 BUILD N [RUNS] [idle]}" && pwd)
N=${2:?N}
RUNS=${3:-3}
IDLE=${4:-}
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
IO=nqn.2014-08.org.example:bench-io

step "kernel, bus, udev, trace; target with $N subsystems on null_blk"
e2e_boot
check "kprobes on nvmf_dev_write and nvme_sysfs_delete, trace clock mono" vm_trace_init
check "$N null_blk devices" vm_null_blk "$N"
check "$N subsystems linked to 127.0.0.1:8009" vm_target "$N" 1 8009 $IO
check "target listens on 8009" wait_for 10 sh -c 'ss -ltnH | grep -q 127.0.0.1:8009'
[ "$FAIL" = 0 ] || { e2e_finish; exit 1; }

mib() { calc "$1 / 1024" "%.1f"; }

if [ -n "$IDLE" ]; then
	step "idle: both daemons with nothing configured"
	printf '[Service Discovery]\nzeroconf=disabled\n' | e2e_conf stafd
	: | e2e_conf stacd
	declare -a i_f_rss i_f_hwm i_f_anon i_c_rss i_c_hwm i_c_anon i_f_cpu i_c_cpu
	for ((r = 0; r < RUNS; r++)); do
		vm_forget
		vm_start stafd
		vm_start stacd
		if ! wait_for 30 bus_has org.nvmexpress.staf || ! wait_for 30 bus_has org.nvmexpress.stac; then
			check "idle daemons own their names" false
		fi
		nap 2
		i_f_rss+=("$(rss_kb "${VPID[stafd]}" VmRSS)")
		i_f_hwm+=("$(rss_kb "${VPID[stafd]}" VmHWM)")
		i_f_anon+=("$(rss_kb "${VPID[stafd]}" RssAnon)")
		i_c_rss+=("$(rss_kb "${VPID[stacd]}" VmRSS)")
		i_c_hwm+=("$(rss_kb "${VPID[stacd]}" VmHWM)")
		i_c_anon+=("$(rss_kb "${VPID[stacd]}" RssAnon)")
		i_f_cpu+=("$(cpu_s "${VPID[stafd]}")")
		i_c_cpu+=("$(cpu_s "${VPID[stacd]}")")
		if [ $r = 0 ]; then
			for d in stafd stacd; do
				check "$d runs with transparent huge pages disabled (no 2 MiB stack pages)" \
					grep -q '^THP_enabled:[[:space:]]*0' "/proc/${VPID[$d]}/status"
				echo "  $d: resident KiB per mapped file (top 12; [anon] = heap, stacks and the like)"
				awk '/^[0-9a-f]+-[0-9a-f]+ / { f = (NF >= 6 ? $6 : "[anon]") }
				     /^Rss:/ { rss[f] += $2 } /^Anonymous:/ { an[f] += $2 }
				     END { for (f in rss) printf "    %6d %6d %s\n", rss[f], an[f], f }' \
					"/proc/${VPID[$d]}/smaps" | sort -rn | head -12
			done
		fi
		vm_stop stacd
		vm_stop stafd
	done
	vm_emit f1.vm.idle.stafd_vmrss "$(mib "$(med i_f_rss)")" MiB
	vm_emit f1.vm.idle.stafd_vmhwm "$(mib "$(med i_f_hwm)")" MiB
	vm_emit f1.vm.idle.stafd_rssanon "$(mib "$(med i_f_anon)")" MiB
	vm_emit f1.vm.idle.stacd_vmrss "$(mib "$(med i_c_rss)")" MiB
	vm_emit f1.vm.idle.stacd_vmhwm "$(mib "$(med i_c_hwm)")" MiB
	vm_emit f1.vm.idle.stacd_rssanon "$(mib "$(med i_c_anon)")" MiB
	# CPU of the start itself (under TCG: code translation included)
	vm_emit f4.vm.idle.stafd_cpu_start "$(med i_f_cpu)" s
	vm_emit f4.vm.idle.stacd_cpu_start "$(med i_c_cpu)" s
fi

printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\ncontroller=transport=tcp;traddr=127.0.0.1;trsvcid=8009\n' |
	e2e_conf stafd
: | e2e_conf stacd

declare -A M   # metric -> values of the runs, space separated
add() { M[$1]="${M[$1]:-} $2"; }
TIMEFORMAT='%R %U %S'
cli_ms() {   # wall time of one CLI call, ms
	local t=$EPOCHREALTIME
	"$@" > /dev/null 2>&1 || echo "cli failed: $*" >&2
	calc "($EPOCHREALTIME - $t) * 1000" "%.0f"
}

for ((r = 1; r <= RUNS; r++)); do
	step "run $r/$RUNS: stafd + stacd, N=$N"
	vm_forget
	vm_trace_clear
	vm_dbusmon_start
	mark_sync
	vm_start stafd
	vm_start stacd
	if ! wait_n_live "$N" 600; then
		check "run $r: stacd connected all $N I/O controllers" false
		break
	fi
	nap 2
	check "run $r: exactly $N live I/O controllers after settling" test "$(n_live_io)" = "$N"
	for d in stafd stacd; do
		add "${d}_cpu" "$(cpu_s "${VPID[$d]}")"
		add "${d}_cpu_user" "$(cpu_s "${VPID[$d]}" user)"
		add "${d}_cpu_sys" "$(cpu_s "${VPID[$d]}" sys)"
		add "${d}_vmrss" "$(rss_kb "${VPID[$d]}" VmRSS)"
		add "${d}_vmhwm" "$(rss_kb "${VPID[$d]}" VmHWM)"
		add "${d}_rssanon" "$(rss_kb "${VPID[$d]}" RssAnon)"
	done
	# the floor: the same program started, no D-Bus call
	add cli_floor "$(cli_ms "$STAFCTL" --version)"
	add stafctl_ls "$(cli_ms "$STAFCTL" ls)"
	add stafctl_adlp "$(cli_ms "$STAFCTL" adlp)"
	add stacctl_ls "$(cli_ms "$STACCTL" ls)"
	add stacctl_status "$(cli_ms "$STACCTL" status)"
	vm_dbusmon_stop
	vm_daemon_metrics "${VPID[stafd]}" "${VPID[stacd]}" "$N" > $E2E_RUN/daemon-metrics.txt
	tr '\n' ' ' < $E2E_RUN/daemon-metrics.txt | sed "s/^/  run $r: /"
	echo
	while read -r k v; do add "$k" "$v"; done < $E2E_RUN/daemon-metrics.txt
	vm_stop stacd
	vm_stop stafd
	check "run $r: all disconnected" vm_disconnect_all

	step "run $r/$RUNS: nvme connect-all, N=$N"
	vm_trace_clear
	{ time nvme connect-all -t tcp -a 127.0.0.1 -s 8009 > /dev/null 2>&1; } 2> $E2E_RUN/time.txt
	read -r wall usr sys < $E2E_RUN/time.txt
	check "run $r: connect-all connected all $N" test "$(n_live_io)" = "$N"
	add cli_all_iocs_live "$wall"
	# the pair of this run (same VM, minutes apart): the host's load moves both
	al=$(awk '$1 == "all_iocs_live" { print $2 }' $E2E_RUN/daemon-metrics.txt)
	[ -n "$al" ] && add pair_ratio "$(calc "$al / $wall")"
	add cli_cpu "$(calc "$usr + $sys" "%.2f")"
	add cli_cpu_user "$usr"
	add cli_cpu_sys "$sys"
	vm_cli_kernel_metrics > $E2E_RUN/metrics.txt
	echo "  run $r: connect-all $wall s, cpu $usr + $sys s, $(tr '\n' ' ' < $E2E_RUN/metrics.txt)"
	while read -r k v; do add "cli_$k" "$v"; done < $E2E_RUN/metrics.txt
	check "run $r: all disconnected after connect-all" vm_disconnect_all
done

# shellcheck disable=SC2086
m() { median ${M[$1]:-}; }
p=f2.n$N
vm_emit "$p".stafd_name_owned "$(m stafd_name_owned)" s
vm_emit "$p".stacd_name_owned "$(m stacd_name_owned)" s
vm_emit "$p".dc_connect_written "$(m dc_connect_written)" s
vm_emit "$p".dc_live "$(m dc_live)" s
vm_emit "$p".first_connect_written "$(m first_connect_written)" s
vm_emit "$p".first_ioc_live "$(m first_ioc_live)" s
vm_emit "$p".all_iocs_live "$(m all_iocs_live)" s
vm_emit "$p".connect_phase "$(m connect_phase)" s
vm_emit "$p".nvmecli_connect_all "$(m cli_all_iocs_live)" s
vm_emit "$p".kernel_connect_total_nvmecli "$(m cli_kernel_connect_total_s)" s
vm_emit "$p".kernel_work_total_nvmecli "$(m cli_kernel_work_total_s)" s
vm_emit "$p".kernel_work_total_stacd "$(m kernel_work_total_s)" s
vm_emit "$p".modprobe_total_nvmecli "$(m cli_modprobe_total_s)" s
vm_emit "$p".modprobe_total_stacd "$(m modprobe_total_s)" s
vm_emit "$p".all_iocs_live_vs_nvmecli "$(calc "$(m all_iocs_live) / $(m cli_all_iocs_live)")" x
vm_emit "$p".all_iocs_live_vs_nvmecli_paired "$(m pair_ratio)" x
vm_emit "$p".stacd_connect_writes "$(m stacd_connect_writes)" count
vm_emit "$p".stacd_connect_errors "$(m stacd_connect_errors)" count
p=f4.n$N
vm_emit "$p".stacd_cpu "$(m stacd_cpu)" s
vm_emit "$p".stacd_cpu_user "$(m stacd_cpu_user)" s
vm_emit "$p".stacd_cpu_sys "$(m stacd_cpu_sys)" s
vm_emit "$p".stafd_cpu "$(m stafd_cpu)" s
vm_emit "$p".nvmecli_cpu "$(m cli_cpu)" s
vm_emit "$p".nvmecli_cpu_user "$(m cli_cpu_user)" s
vm_emit "$p".nvmecli_cpu_sys "$(m cli_cpu_sys)" s
vm_emit "$p".kernel_connect_stacd "$(m kernel_connect_ms)" ms
vm_emit "$p".kernel_connect_nvmecli "$(m cli_kernel_connect_ms)" ms
p=f1.vm.n$N
for d in stafd stacd; do
	vm_emit "$p.${d}_vmrss" "$(mib "$(m "${d}_vmrss")")" MiB
	vm_emit "$p.${d}_vmhwm" "$(mib "$(m "${d}_vmhwm")")" MiB
	vm_emit "$p.${d}_rssanon" "$(mib "$(m "${d}_rssanon")")" MiB
done
p=f5.vm.n$N
vm_emit "$p".cli_start_floor "$(m cli_floor)" ms
vm_emit "$p".stafctl_ls "$(m stafctl_ls)" ms
vm_emit "$p".stafctl_adlp "$(m stafctl_adlp)" ms
vm_emit "$p".stacctl_ls "$(m stacctl_ls)" ms
vm_emit "$p".stacctl_status "$(m stacctl_status)" ms

e2e_finish
