#!/bin/bash
# bench/vm-diag-connect.sh BUILD [N] - runs INSIDE the guest: where the CPU
# goes while N I/O controllers are connected (a diagnosis for RESULTS.md, no
# figures): a system-wide perf profile (cpu-clock) of stafd + stacd
# connecting N, then of nvme-cli connect-all, by command and by symbol.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD [N]}" && pwd)
N=${2:-50}
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
IO=nqn.2014-08.org.example:bench-io
e2e_boot
check "trace" vm_trace_init
check "$N null_blk devices" vm_null_blk "$N"
check "$N subsystems" vm_target "$N" 1 8009 $IO
printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\ncontroller=transport=tcp;traddr=127.0.0.1;trsvcid=8009\n' | e2e_conf stafd
: | e2e_conf stacd
report() {
	perf report -i "$1" --no-children --stdio -g none --sort comm 2> /dev/null | grep '%' | head -12
	perf report -i "$1" --no-children --stdio -g none --sort comm,dso 2> /dev/null | grep '%' | head -25
	perf report -i "$1" --no-children --stdio -g none --comm stacd --sort sym 2> /dev/null | grep '%' | head -30
	perf report -i "$1" --no-children --stdio -g none --comm stafd --sort sym 2> /dev/null | grep '%' | head -15
}
cd /tmp || exit 1
for r in 1 2; do
	step "daemons, run $r"
	vm_forget
	perf record -q -a -e cpu-clock -F 1000 -g -o /tmp/perf-d$r.data > /dev/null 2>&1 &
	P=$!
	sleep 1
	vm_start stafd
	vm_start stacd
	wait_n_live "$N" 300
	kill -INT $P; wait $P
	echo "stacd cpu $(cpu_s "${VPID[stacd]}") stafd cpu $(cpu_s "${VPID[stafd]}")"
	sleep 2
	for d in stafd stacd; do
		echo "  $d: threads $(find "/proc/${VPID[$d]}/task" -mindepth 1 -maxdepth 1 | wc -l); $(grep -E 'VmRSS|RssAnon' "/proc/${VPID[$d]}/status" | tr -s ' \t\n' ' ')"
		awk '/^[0-9a-f]+-[0-9a-f]+ / { f = (NF >= 6 ? $6 : "[anon " $1 "]") }
		     /^Rss:/ { rss[f] += $2 } /^Anonymous:/ { an[f] += $2 }
		     END { for (f in rss) printf "    %6d %6d %s\n", rss[f], an[f], f }' \
			"/proc/${VPID[$d]}/smaps" | sort -k2 -rn | head -12
	done
	grep -c 'Connection established' $E2E_RUN/stacd.log
	vm_stop stacd
	vm_stop stafd
	vm_disconnect_all
	step "nvme-cli, run $r"
	perf record -q -a -e cpu-clock -F 1000 -g -o /tmp/perf-c$r.data > /dev/null 2>&1 &
	P=$!
	sleep 1
	time nvme connect-all -t tcp -a 127.0.0.1 -s 8009 > /dev/null 2>&1
	kill -INT $P; wait $P
	vm_disconnect_all
done
step "profile: daemons (run 2)"
report /tmp/perf-d2.data
step "profile: nvme-cli (run 2)"
report /tmp/perf-c2.data
check "done" true
e2e_finish
