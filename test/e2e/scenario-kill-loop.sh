#!/bin/bash
# issue 7 (faults): SIGKILL of stafd and stacd at random points, with the
# real kernel: 10 rounds, each zones two more subsystems in (the DC
# emulator's log names them; the kernel target serves them on 4420) and
# kills one daemon while that change is being worked on:
# - stafd in the middle of a discovery log read: an AEN, and at once the DC
#   stalls, so the read's Get Log Page is in flight in the kernel (stafd has
#   the DC's device open) when the SIGKILL comes; the DC then answers again
#   (the kernel aborts the read, the process can exit, the DC reconnects);
# - stacd in the middle of a connect: stacd runs with e2e-slow-connect.so
#   (LD_PRELOAD), which holds each write to /dev/nvme-fabrics 300 ms after the
#   kernel has connected; stacd is killed in that window, when the controller
#   exists and stacd does not know its name;
# - in rounds 7-10 at a random delay after the change, in 9 and 10 once more
#   right after the restart.
# each kill is followed by a restart as systemd's Restart=on-failure does it
# (the process is gone, 100 ms, start, the bus name).  after each restart the
# state is recovered: every zoned-in subsystem connected, exactly once; a
# sysfs sampler over the whole loop sees no I/O controller disconnected or
# reconnected and never two controllers to the same subsystem and address.
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR.  E2E_SEED fixes the
# random delays.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=faults-lib.sh
. "$(dirname "$0")/faults-lib.sh"
KL=nqn.2014-08.org.example:stas-kill
ROUNDS=10
SEED=${E2E_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED

step "kernel, bus, udev"
e2e_boot

step "target: ${KL}1..4 on 127.0.0.1:4420; the DC emulator (a CDC on 8009) names them"
nvmet_port 2 127.0.0.1 4420
check "the DC emulator listens on 127.0.0.1:8009" ef_emu_start cdc 8009 --dctype cdc
LINKED=0
# zone_in: one more subsystem on the target and in the DC's log, without an AEN yet:
# ${KL}1..LINKED are zoned in
zone_in() {
	LINKED=$((LINKED + 1))
	nvmet_subsys "$KL$LINKED" "file:/run/kl$LINKED.img:4M"
	nvmet_link 2 "$KL$LINKED"
	ef_emuctl cdc add-entry "{\"entry\":$(ef_entry "$KL$LINKED"),\"notify\":false}" \
		> /dev/null
}
# the discovery AEN for what was zoned in (the work of the daemons starts now)
aen() { ef_emuctl cdc fire-aen '{"force":true}' > /dev/null; }
for i in 1 2 3 4; do zone_in; done

e2e_conf stafd <<-EOF
	[Global]
	reconnect-delay=1
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
SHIM=$BUILD/test/e2e/e2e-slow-connect.so
check "the slow-connect library is built" test -f "$SHIM"
daemon_start() {   # DAEMON: stacd with the slow-connect library
	if [ "$1" = stacd ]; then
		LD_PRELOAD=$SHIM E2E_CONNECT_MARK=$E2E_RUN/connecting e2e_daemon_start stacd
	else
		e2e_daemon_start "$1"
	fi
}
check "stafd started" daemon_start stafd
check "stacd started (connects held 300 ms after the kernel's)" daemon_start stacd
# every zoned-in subsystem has exactly one live I/O controller (builtins only: with
# 25 controllers, forks per controller cost seconds under TCG)
all_linked_live() {
	local rec i recs f
	local -A live=()
	IFS=';' read -r -a recs <<< "$(ef_snapshot)"
	for rec in "${recs[@]}"; do
		read -r -a f <<< "$rec"   # name type subsysnqn cntlid state address
		if [ "${f[1]:-}" = io ] && [ "${f[4]}" = live ]; then
			live[${f[2]}]=$(( ${live[${f[2]}]:-0} + 1 ))
		fi
	done
	for ((i = 1; i <= LINKED; i++)); do
		[ "${live[$KL$i]:-0}" = 1 ] || return 1
	done
}
check "stacd connected ${KL}1..4" wait_for 60 all_linked_live
check "the DC at 8009 is live" wait_for 30 dc_live 8009
DC_DEV=$(nvme_find_ctrl "$DISC_NQN" 8009)
echo "  the DC is $DC_DEV"

# a sleep without a fork (a fork costs milliseconds under TCG)
mkfifo $E2E_RUN/nap
exec 9<> $E2E_RUN/nap
nap() { read -r -t "$1" -u 9 _; }   # SECONDS
random_nap() {   # MS: a random pause of up to MS milliseconds; prints how long
	local ms=$((RANDOM % $1))
	nap "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	echo "$ms"
}
# inflight PID DEV: PID has DEV open.  the daemons open a device for one operation
# only: stacd /dev/nvme-fabrics for one connect (open, the write that blocks while
# the kernel connects, read, close), stafd /dev/nvmeN for one admin operation.
# (a thread's /proc/.../syscall reads "running" while the kernel works for it)
inflight() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$f" -ef "$2" ] && return 0
	done
	return 1
}
# UP_CS: /proc/uptime in centiseconds, read without a fork.  (not EPOCHREALTIME: the
# guest's wall clock under TCG runs several times faster than its monotonic clock)
uptime_cs() { local u; read -r u _ < /proc/uptime; UP_CS=$((10#${u/./})); }
# wait_inflight PID DEV SECONDS: poll as fast as the shell goes (no fork, no pause: a
# connect keeps /dev/nvme-fabrics open for some ms only) until inflight or time is up
wait_inflight() {
	local end
	uptime_cs
	end=$((UP_CS + $3 * 100))
	until inflight "$1" "$2"; do
		uptime_cs
		[ $UP_CS -ge $end ] && return 1
	done
	return 0
}

# SIGKILL, then what systemd's Restart=on-failure does: the process is gone, RestartSec
# (100 ms), start again (Type=dbus: started once the bus name is owned).  AFTER (a
# command) runs between the kill and the wait for the exit
kill_restart() {   # DAEMON WHY [AFTER...]
	local d=$1 why=$2 pid=${DAEMON_PID[$1]}
	shift 2
	kill -KILL "$pid"
	[ $# = 0 ] || "$@"
	wait "$pid" 2>/dev/null
	DAEMON_PID[$d]=
	echo "== $(up) killed (SIGKILL: $why)" >> "$E2E_RUN/$d.log"
	nap 0.1
	daemon_start "$d"
}
# an AEN, and the DC stalls at once (one control connection: nothing of the host's gets
# in between): the log read stafd starts on the AEN hangs in the kernel
aen_then_stall() {
	python3 - "$E2E_RUN/cdc.sock" <<-'EOF'
		import socket, sys
		s = socket.socket(socket.AF_UNIX)
		s.connect(sys.argv[1])
		f = s.makefile("rw")
		for op in ('{"op":"fire-aen","force":true}', '{"op":"stall","on":true}'):
		    f.write(op + "\n")
		    f.flush()
		    print(f.readline().strip())
	EOF
}
# the DC answers again: the connection that lost the read is closed, the kernel aborts
# the read (a process killed in that ioctl exits only then) and reconnects
unstall() { ef_emuctl cdc stall '{"on":false}' > /dev/null; }
# stafd, in a log read: zone in two, then AEN + stall; FALSE if no read hangs
stafd_in_log_read() {
	zone_in
	zone_in
	aen_then_stall | tr '\n' ' ' | sed 's/^/  emulator: /' >&2
	echo >&2
	wait_inflight "${DAEMON_PID[stafd]}" "/dev/$DC_DEV" 20 && return 0
	echo "  no log read seen; stafd's and the emulator's last lines:" >&2
	tail -4 $E2E_RUN/stafd.log $E2E_RUN/cdc.log >&2
	unstall
	return 1
}
# wait_file FILE SECONDS: poll without forks until FILE exists
wait_file() {
	local end
	uptime_cs
	end=$((UP_CS + $2 * 100))
	until [ -e "$1" ]; do
		uptime_cs
		[ $UP_CS -ge $end ] && return 1
	done
	return 0
}
# stacd, in a connect: zone two in, return the moment one of stacd's connects is in
# the library's window (the kernel has connected, the write has not returned: the
# library's mark file exists, stacd has /dev/nvme-fabrics open); up to five zoning
# changes (each settles before the next); FALSE if never caught
TRIES=0
stacd_in_connect() {
	local try
	for try in 1 2 3 4 5; do
		TRIES=$((TRIES + 1))
		zone_in
		zone_in
		aen
		if wait_file $E2E_RUN/connecting 10; then
			inflight "${DAEMON_PID[stacd]}" /dev/nvme-fabrics && return 0
			echo "  the mark is there, /dev/nvme-fabrics not open in stacd" >&2
		fi
		echo "  connect not caught at try $try" >&2
		wait_for 60 all_linked_live
	done
	return 1
}

ef_sampler_start $E2E_RUN/samples.txt 0.2
KILLS=0
HITS_READ=0
HITS_CONNECT=0
step "kill loop: $ROUNDS rounds (seed $SEED)"
for r in $(seq 1 $ROUNDS); do
	d=stafd
	[ $((r % 2)) = 0 ] && d=stacd
	after=()
	if [ "$r" -le 6 ] && [ $d = stafd ] && stafd_in_log_read; then
		why="in its discovery log read: /dev/$DC_DEV open, the Get Log Page in flight"
		HITS_READ=$((HITS_READ + 1))
		after=(unstall)
	elif [ "$r" -le 6 ] && [ $d = stacd ] && stacd_in_connect; then
		why="in a connect: /dev/nvme-fabrics open"
		HITS_CONNECT=$((HITS_CONNECT + 1))
	else
		zone_in
		zone_in
		aen
		why="$(random_nap 1500) ms after the zoning change"
	fi
	check "round $r: $d killed ($why), its bus name is back" kill_restart $d "$why" "${after[@]}"
	KILLS=$((KILLS + 1))
	if [ "$r" -ge 9 ]; then
		why="$(random_nap 500) ms after the restart"
		check "round $r: $d killed again ($why), its bus name is back" kill_restart $d "$why"
		KILLS=$((KILLS + 1))
	fi
	check "round $r: ${KL}1..$LINKED connected, each exactly once" wait_for 60 all_linked_live
done
sleep 2
ef_sampler_stop

step "over the whole loop: $KILLS kills ($HITS_READ in a log read, $HITS_CONNECT in a connect," \
	"$TRIES zoning changes to catch those), $(ef_samples $E2E_RUN/samples.txt) sysfs samples"
check "stafd was killed in the middle of a discovery log read three times" test $HITS_READ = 3
check "stacd was killed in the middle of a connect three times" test $HITS_CONNECT = 3
check "no I/O controller was ever disconnected or reconnected (same device, same cntlid, live)" \
	ef_iocs_never_lost $E2E_RUN/samples.txt
check "never two controllers to the same subsystem and address (I/O or discovery)" \
	ef_no_duplicates $E2E_RUN/samples.txt
one_dc() { [ "$(ctrl_rows discovery | wc -l)" = 1 ]; }
check "in the end: $LINKED I/O controllers and one DC" eval "ioc_count $LINKED && one_dc"
check "stacd never asked the kernel for a connection that already existed" \
	eval "! grep -i 'already in progress' $E2E_RUN/stacd.log"
"$STACCTL" ls > $E2E_RUN/stacctl-ls.txt 2>&1
"$STAFCTL" ls > $E2E_RUN/stafctl-ls.txt 2>&1
check "stacctl ls lists the $LINKED I/O controllers" eval \
	"[ \$(grep -o '${KL}[0-9]*' $E2E_RUN/stacctl-ls.txt | sort -u | wc -l) = $LINKED ]"
check "stafctl ls lists the DC at 8009" grep -q 8009 $E2E_RUN/stafctl-ls.txt
check "the kernel logged no warning or bug" eval "! dmesg | grep -E 'WARNING|BUG|Oops|refcount'"
ef_keep $E2E_RUN/samples.txt $E2E_RUN/stafd.log $E2E_RUN/stacd.log $E2E_RUN/cdc.log

e2e_finish
