# shellcheck shell=bash
# bench/vm-lib.sh - helpers for the bench scripts that run INSIDE the qemu
# guest (bench/vm-run.sh boots it).  sources the e2e tier's e2e-lib.sh (bus,
# udev, daemons as their units start them, nvmet helpers) and adds:
#
#   - a kernel trace (tracefs, clock "mono") of every write to
#     /dev/nvme-fabrics (kprobe on entry and return of nvmf_dev_write: a
#     connect issued / finished, by which process), of every write to a
#     controller's delete_controller (nvme_sysfs_delete: a disconnect), of the
#     nvme_async_event tracepoint (an AEN reaching the host), of admin Get Log
#     Page commands (nvme_setup_cmd, filtered), plus markers;
#   - a dbus-monitor of NameOwnerChanged (its wall clock times are put on the
#     trace clock through a marker carrying the wall clock);
#   - the daemons started with a marker just before their exec.
#
# every time is taken by the kernel or dbus-monitor, not by polling loops:
# under TCG a poll iteration costs far more than its sleep (NOTES pitfall 14).
#
# figure lines go to $VM_OUT/figures.txt (bench/vm-run.sh prints them).
BENCH_VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$BENCH_VM_HERE/lib.sh"
# shellcheck source=../test/e2e/e2e-lib.sh
. "$BENCH_VM_HERE/../test/e2e/e2e-lib.sh"

TR=/sys/kernel/tracing
# bash's <(...) needs /dev/fd, which the guest's devtmpfs lacks
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
FIGURES=${VM_OUT:-/tmp}/figures.txt
declare -A VPID

# emit into the figures file and on the console
vm_emit() {
	emit "$@" | tee -a "$FIGURES"
}

vm_trace_init() {
	mountpoint -q $TR || mount -t tracefs nodev $TR || return 1
	echo 0 > $TR/tracing_on
	echo mono > $TR/trace_clock
	echo 1 > $TR/options/record-tgid
	echo 16384 > $TR/buffer_size_kb
	[ -d $TR/events/bench ] && echo 0 > $TR/events/bench/enable
	echo > $TR/kprobe_events
	# shellcheck disable=SC2016  # $retval is the kprobe syntax, not a shell expansion
	{
		echo 'p:bench/fab_in nvme_fabrics:nvmf_dev_write'
		echo 'r:bench/fab_out nvme_fabrics:nvmf_dev_write ret=$retval'
		echo 'p:bench/del_in nvme_core:nvme_sysfs_delete'
		echo 'r:bench/del_out nvme_core:nvme_sysfs_delete ret=$retval'
		# the transport's part, under the kernel's nvmf_dev_mutex
		echo 'p:bench/cc_in nvme_tcp:nvme_tcp_create_ctrl'
		echo 'r:bench/cc_out nvme_tcp:nvme_tcp_create_ctrl ret=$retval'
	} >> $TR/kprobe_events || return 1
	# request_module: nvmf_create_ctrl asks for "nvme-<transport>" on every
	# connect, under nvmf_dev_mutex: a modprobe process each time (optional)
	{
		echo 'p:bench/rm_in __request_module'
		echo 'r:bench/rm_out __request_module'
	} >> $TR/kprobe_events 2> /dev/null
	echo 1 > $TR/events/bench/enable
	[ -d $TR/events/nvme/nvme_async_event ] && echo 1 > $TR/events/nvme/nvme_async_event/enable
	# admin Get Log Page commands (a discovery log read)
	if [ -d $TR/events/nvme/nvme_setup_cmd ]; then
		echo 'qid == 0 && opcode == 2' > $TR/events/nvme/nvme_setup_cmd/filter
		echo 1 > $TR/events/nvme/nvme_setup_cmd/enable
	fi
	echo > $TR/trace
	echo 1 > $TR/tracing_on
}
mark() { echo "bench: $*" > $TR/trace_marker; }
# a marker with the wall clock: the offset between dbus-monitor's clock and the trace's
mark_sync() { mark "sync $EPOCHREALTIME"; }
vm_trace_clear() { echo > $TR/trace; }

# the trace as "ts kind tgid tid rest": kind = mark (rest: the text), fab_in, fab_out
# (rest: ok|err), del_in, del_out, cc_in, cc_out (nvme_tcp_create_ctrl: the
# connect's work under nvmf_dev_mutex), rm_in, rm_out (__request_module), aen,
# getlog (an admin Get Log Page issued)
vm_trace_events() {
	awk '{
		if (!match($0, /[0-9]+\.[0-9]+: /)) next
		ts = substr($0, RSTART, RLENGTH - 2)
		rest = substr($0, RSTART + RLENGTH)
		head = substr($0, 1, RSTART - 1)
		tgid = "-"
		if (match(head, /\( *[0-9]+\)/)) { tgid = substr(head, RSTART + 1, RLENGTH - 2); gsub(/ /, "", tgid) }
		tid = "-"
		if (match(head, /-[0-9]+ /)) tid = substr(head, RSTART + 1, RLENGTH - 2)
		split(rest, w, " ")
		ev = w[1]; sub(/:$/, "", ev)
		if (ev == "tracing_mark_write") {
			m = rest; sub(/^tracing_mark_write: bench: /, "", m)
			print ts, "mark", tgid, tid, m
		} else if (ev == "fab_out" || ev == "del_out") {
			r = rest; sub(/.*ret=/, "", r)
			print ts, ev, tgid, tid, (length(r) >= 10 ? "err" : "ok")
		} else if (ev == "cc_out") {
			r = rest; sub(/.*ret=/, "", r)
			# an ERR_PTR: -4095..-1
			print ts, ev, tgid, tid, (r ~ /^0xfffffffffffff[0-9a-f][0-9a-f][0-9a-f]$/ ? "err" : "ok")
		} else if (ev == "fab_in" || ev == "del_in" || ev == "cc_in" || ev == "rm_in" || ev == "rm_out") {
			print ts, ev, tgid, tid
		} else if (ev == "nvme_async_event") {
			print ts, "aen", tgid, tid
		} else if (ev == "nvme_setup_cmd") {
			print ts, "getlog", tgid, tid
		}
	}' $TR/trace
}

# dbus-monitor of name owner changes (one per run: vm_dbusmon_start / _stop)
vm_dbusmon_start() {
	dbus-monitor --system "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'" \
		> $E2E_RUN/dbusmon.txt 2>&1 &
	DBUSMON_PID=$!
	# subscribed once it printed its own NameAcquired / the first signal
	wait_for 10 grep -q NameOwnerChanged $E2E_RUN/dbusmon.txt
}
vm_dbusmon_stop() {
	kill "$DBUSMON_PID" 2> /dev/null
	wait "$DBUSMON_PID" 2> /dev/null
}
# "walltime name" for each name that got an owner
vm_dbusmon_owned() {
	awk '/^signal time=/ { t = $2; sub(/time=/, "", t); n = 0; next }
	     /^ *string / { n++; s = $0; sub(/^ *string "/, "", s); sub(/"$/, "", s); v[n] = s
			    if (n == 3 && v[3] != "" && v[1] !~ /^:/) print t, v[1] }' $E2E_RUN/dbusmon.txt
}

# vm_start stafd|stacd [EXE]: as the unit starts it (e2e_daemon_start), with a
# marker "exec <name>" just before the exec; does not wait
vm_start() {
	local d=$1 exe=${2:-}
	case $d in
	stafd) exe=${exe:-$STAFD} ;;
	stacd) exe=${exe:-$STACD} ;;
	*) return 2 ;;
	esac
	mkdir -p "/run/$d" "/var/cache/$d"
	echo "== $(up) start $exe" >> "$E2E_RUN/$d.log"
	(
		mark "exec $d"
		RUNTIME_DIRECTORY=/run/$d CACHE_DIRECTORY=/var/cache/$d exec "$exe"
	) >> "$E2E_RUN/$d.log" 2>&1 &
	VPID[$d]=$!
}
vm_stop() {
	local pid=${VPID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	VPID[$1]=
}
# forget what the daemons remember between runs (last-known state, caches)
vm_forget() { rm -rf /run/stafd /run/stacd /var/cache/stafd /var/cache/stacd; }

# nap SECONDS: sleep without a fork (a timed read on a fifo nobody writes):
# under TCG each `sleep` process costs ~40 ms of CPU, and the polls run while
# the daemons are being measured (nvme-cli's runs have no poller)
mkfifo /run/bench-nap.fifo 2> /dev/null
exec 9<> /run/bench-nap.fifo
nap() { read -r -t "$1" -u 9 _ || :; }

# controllers in sysfs, with bash builtins only (no fork: cheap enough to poll)
n_ctrls() {
	local c n=0
	for c in /sys/class/nvme/nvme*; do [ -e "$c" ] && n=$((n + 1)); done
	echo $n
}
# n_live_io_var: live I/O controllers into $NLIVE_IO (builtins only, no subshell)
n_live_io_var() {
	local c t s
	NLIVE_IO=0
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/cntrltype" ] || continue
		{ read -r t < "$c/cntrltype" && read -r s < "$c/state"; } 2> /dev/null || continue
		[ "$t" = io ] && [ "$s" = live ] && NLIVE_IO=$((NLIVE_IO + 1))
	done
}
n_live_io() {
	n_live_io_var
	echo "$NLIVE_IO"
}
# wait_n_live N TIMEOUT_S: poll every 0.5 s, no fork (the times come from the trace)
wait_n_live() {
	local end=$((EPOCHSECONDS + $2))
	while :; do
		n_live_io_var
		[ "$NLIVE_IO" -ge "$1" ] && return 0
		[ "$EPOCHSECONDS" -ge $end ] && return 1
		nap 0.5
	done
}
wait_no_ctrls() {
	local end=$((EPOCHSECONDS + $1)) c
	while :; do
		for c in /sys/class/nvme/nvme*; do break; done
		[ -e "$c" ] || return 0
		[ "$EPOCHSECONDS" -ge $end ] && return 1
		nap 0.5
	done
}

# disconnect everything and wait until sysfs is empty
vm_disconnect_all() {
	nvme disconnect-all > /dev/null 2>&1
	wait_no_ctrls 120
}

# null_blk devices /dev/nullb0..N-1 (1 GiB each, memory backed, allocated on write)
vm_null_blk() {
	modprobe null_blk nr_devices="$1" gb=1 memory_backed=1 || return 1
	wait_for 30 test -b "/dev/nullb$(($1 - 1))"
}

# vm_target N PORT_ID TRSVCID PREFIX: N subsystems PREFIX1..N, each with a
# namespace on its own null_blk device (nullb<FIRST + i - 1>), linked to
# port PORT_ID on 127.0.0.1:TRSVCID; FIRST = $5 (default 0)
vm_target() {
	local n=$1 port=$2 svc=$3 prefix=$4 first=${5:-0} i
	[ -d "$CFG/ports/$port" ] || nvmet_port "$port" 127.0.0.1 "$svc"
	for ((i = 1; i <= n; i++)); do
		nvmet_subsys "$prefix$i" "/dev/nullb$((first + i - 1))" || return 1
		nvmet_link "$port" "$prefix$i" || return 1
	done
}

# median over the runs of the values collected in an array: med NAME_OF_ARRAY
med() {
	local -n arr=$1
	median "${arr[@]}"
}

# vm_daemon_metrics STAFD_PID STACD_PID N: from the trace and the dbus-monitor
# log of one daemons run, "key value" lines (seconds from stafd's exec unless
# said otherwise): stafd_name_owned / stacd_name_owned (from each one's own
# exec), dc_live, first_connect_written, first_ioc_live, all_iocs_live (the
# N-th connect of stacd that succeeded), connect_phase (first connect written
# -> all live), stacd_connect_writes, stacd_connect_errors, kernel_connect_ms
# (median time inside nvmf_dev_write of stacd's connects: with connects
# queued on the kernel's nvmf_dev_mutex, the wait for it is included),
# kernel_work_total_s (the sum of their nvme_tcp_create_ctrl: the kernel's
# own work, under the mutex)
vm_daemon_metrics() {
	{
		vm_dbusmon_owned | sed 's/^/owned /'
		vm_trace_events
	} | awk -v fpid="$1" -v cpid="$2" -v n="$3" '
	$1 == "owned" { owned[$3] = $2; next }
	$2 == "mark" && $5 == "sync" { off = $6 - $1 }
	$2 == "mark" && $5 == "exec" { ex[$6] = $1 }
	$2 == "fab_in" { start[$4] = $1
		if ($3 == cpid) { nw++; if (fw == "") fw = $1 }
		if ($3 == fpid && dw == "") dw = $1 }
	$2 == "cc_in" { ccs[$4] = $1 }
	$2 == "cc_out" && $3 == cpid { work += $1 - ccs[$4] }
	$2 == "rm_in" { rms[$4] = $1 }
	$2 == "rm_out" && $3 == cpid { rmt += $1 - rms[$4] }
	$2 == "fab_out" {
		if ($3 == cpid) {
			if ($5 == "err") { ne++; next }
			printf "kc %.1f\n", ($1 - start[$4]) * 1000
			if (fl == "") fl = $1
			if (++nok == n) al = $1
		}
		if ($3 == fpid && $5 == "ok" && dl == "") dl = $1 }
	END {
		t0 = ex["stafd"]
		if ("org.nvmexpress.staf" in owned) printf "stafd_name_owned %.3f\n", owned["org.nvmexpress.staf"] - off - ex["stafd"]
		if ("org.nvmexpress.stac" in owned) printf "stacd_name_owned %.3f\n", owned["org.nvmexpress.stac"] - off - ex["stacd"]
		if (dw != "") printf "dc_connect_written %.3f\n", dw - t0
		if (dl != "") printf "dc_live %.3f\n", dl - t0
		if (fw != "") printf "first_connect_written %.3f\n", fw - t0
		if (fl != "") printf "first_ioc_live %.3f\n", fl - t0
		if (al != "") printf "all_iocs_live %.3f\n", al - t0
		if (al != "" && fw != "") printf "connect_phase %.3f\n", al - fw
		printf "kernel_work_total_s %.3f\nmodprobe_total_s %.3f\n", work, rmt
		printf "stacd_connect_writes %d\nstacd_connect_errors %d\n", nw, ne
	}' | kc_median
}
# the "kc MS" lines of its input replaced by their median "kernel_connect_ms MS"
# and their sum "kernel_connect_total_s S"
kc_median() {
	sort -k1,1 -k2,2g | awk '$1 == "kc" { v[++n] = $2; s += $2; next } { print }
		END { if (n) printf "kernel_connect_ms %.1f\nkernel_connect_total_s %.3f\n", v[int((n + 1) / 2)], s / 1000 }'
}

# vm_cli_kernel_metrics: the same for an nvme-cli run: "key value" lines: kernel_connect_ms
# (median over its I/O connects: every write but its first, the discovery controller)
vm_cli_kernel_metrics() {
	vm_trace_events | awk '
	$2 == "fab_in" { start[$4] = $1 }
	$2 == "fab_out" && $5 == "ok" { if (++n > 1) printf "kc %.1f\n", ($1 - start[$4]) * 1000 }
	$2 == "cc_in" { ccs[$4] = $1 }
	$2 == "cc_out" { if (++m > 1) work += $1 - ccs[$4] }
	$2 == "rm_in" { rms[$4] = $1 }
	$2 == "rm_out" { rmt += $1 - rms[$4] }
	END { printf "kernel_work_total_s %.3f\nmodprobe_total_s %.3f\n", work, rmt }' | kc_median
}
