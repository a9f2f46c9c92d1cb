#!/bin/bash
# issue 7 (faults): a discovery controller that misbehaves in every way the
# DC emulator can, one fault after the other: it answers the log read with
# an error, changes genctr on every read, drops the connection in the middle
# of the log transfer, stalls (answers nothing, keep-alives neither), and
# sends discovery AENs in a burst.  throughout, two probes call stafd and
# stacd over D-Bus every 200 ms on one kept bus connection each
# (e2e-bus-latency: the daemon's own answer time, not a client's start-up):
# every call is answered within 100 ms.  the I/O controllers the log named
# stay connected through all of it (no kernel uevent of theirs, same
# controllers and controller IDs in sysfs before and after), each fault is logged
# and once a fault is gone the log is read again, and a zoning change at the
# end is still followed.  runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=faults-lib.sh
. "$(dirname "$0")/faults-lib.sh"
IO=nqn.2014-08.org.example:stas-flt
LIMIT_MS=100

step "kernel, bus, udev"
e2e_boot

step "target: ${IO}1..4 on 127.0.0.1:4420; the DC emulator (a CDC on 8009) names ${IO}1..3"
nvmet_port 2 127.0.0.1 4420
for i in 1 2 3 4; do
	nvmet_subsys $IO$i file:/run/flt$i.img:8M
	nvmet_link 2 $IO$i
done
check "the DC emulator listens on 127.0.0.1:8009" ef_emu_start cdc 8009 --dctype cdc \
	--entry "$(ef_entry ${IO}1)" --entry "$(ef_entry ${IO}2)" --entry "$(ef_entry ${IO}3)"

# kato 5 s: a stalled DC is noticed by the kernel within seconds; reconnect-delay 1 s
e2e_conf stafd <<-EOF
	[Global]
	kato=5
	reconnect-delay=1
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "the DC at 8009 is live" wait_for 30 dc_live 8009
for i in 1 2 3; do
	check "stacd connected ${IO}$i" wait_for 60 ioc_live $IO$i 4420
done

rx() { grep -c "Received discovery log pages" $E2E_RUN/stafd.log; }
rx_above() { [ "$(rx)" -gt "$1" ]; }
dc_down() { ! dc_live 8009; }
# a read of the log after the fault is gone: an AEN (sent even if masked) makes stafd read
recovers() {   # WHAT [N: reads counted before the fault went away]
	local n=${2:-$(rx)}
	ef_emuctl cdc fire-aen '{"force":true}' > /dev/null
	check "after $1, stafd reads the log again" wait_for 30 rx_above "$n"
}
PHASES=()
PH_T0=()
PH_T1=()
phase_begin() {
	PH=$1
	PH_START=$(ef_now_ms)
	step "fault: $PH"
}
phase_end() {
	PH_T0+=("$PH_START")
	PH_T1+=("$(ef_now_ms)")
	PHASES+=("$PH")
}
# the per-fault figures, once the probes have written their lines
phase_report() {
	local i d n f m o u line
	for i in "${!PHASES[@]}"; do
		line="${PHASES[$i]}:"
		for d in stafd stacd bus; do
			read -r n f m o u <<< "$(ef_window $d "${PH_T0[$i]}" "${PH_T1[$i]}")"
			line+=" $d $n calls, $f unanswered, max $m ms (own $o, busy $u);"
		done
		echo "    $line"
	done
}

step "probes: a D-Bus call to stafd, stacd and dbus-daemon each every 200 ms; uevent monitor"
check "the probes get a first answer from stafd, stacd and dbus-daemon" ef_probes_start stafd stacd
iocs_now() { ef_snapshot | tr ';' '\n' | grep ' io ' | sort; }
iocs_as_ref() { [ "$(iocs_now)" = "$REF" ]; }
REF=$(iocs_now)
mapfile -t REF_LINES <<< "$REF"
# every kernel uevent of the nvme devices: an I/O controller that is reset,
# reconnected or removed, even for a moment, has some (no polling load)
udevadm monitor --kernel --subsystem-match=nvme > $E2E_RUN/uevents.txt 2>&1 &
UDEVMON=$!

phase_begin "none (baseline)"
sleep 3
phase_end

phase_begin "log-error: every discovery log read answered Internal Error"
n=$(grep -c "Failed to retrieve log pages" $E2E_RUN/stafd.log)
ef_emuctl cdc malform '{"modes":["log-error"]}' > /dev/null
ef_emuctl cdc fire-aen '{"force":true}' > /dev/null
check "stafd logs the failed log read, naming the DC" wait_for 20 sh -c \
	"[ \$(grep 'Failed to retrieve log pages' $E2E_RUN/stafd.log | grep -c 8009) -gt $n ]"
check "the emulator answered a read with the error" wait_for 5 sh -c \
	"grep -q 'answered Internal Error' $E2E_RUN/cdc.log"
ef_emuctl cdc malform '{"modes":[]}' > /dev/null
recovers "log-error"
phase_end

phase_begin "genctr-churn: genctr changes at every read"
n=$(grep -c "generation counter changed" $E2E_RUN/stafd.log)
ef_emuctl cdc malform '{"modes":["genctr-churn"]}' > /dev/null
ef_emuctl cdc fire-aen '{"force":true}' > /dev/null
check "stafd gives up after its bounded retries and says why" wait_for 30 sh -c \
	"[ \$(grep -c 'generation counter changed' $E2E_RUN/stafd.log) -gt $n ]"
ef_emuctl cdc malform '{"modes":[]}' > /dev/null
recovers "genctr-churn"
phase_end

phase_begin "log-drop: the connection closes in the middle of every log transfer"
ef_emuctl cdc malform '{"modes":["log-drop"]}' > /dev/null
ef_emuctl cdc fire-aen '{"force":true}' > /dev/null
# each drop: the kernel reconnects (1 s), stafd reads again on "rediscover", the next drop
check "three log transfers cut in the middle (stafd retried after each reconnect)" wait_for 60 \
	sh -c "[ \$(grep -c 'dropped mid-transfer' $E2E_RUN/cdc.log) -ge 3 ]"
n=$(rx)
ef_emuctl cdc malform '{"modes":[]}' > /dev/null
check "once the DC stops dropping, the DC is live" wait_for 30 dc_live 8009
recovers "log-drop" "$n"
phase_end

phase_begin "stall: nothing answered (log read in flight, keep-alives lost)"
n=$(rx)
ef_emuctl cdc fire-aen '{"force":true}' > /dev/null
ef_emuctl cdc stall '{"on":true}' > /dev/null
check "the kernel gives up on the silent DC (keep-alive timeout: not live)" wait_for 40 dc_down
sleep 2
ef_emuctl cdc stall '{"on":false}' > $E2E_RUN/unstall.json
echo "  unstall: $(cat $E2E_RUN/unstall.json)"
check "after the stall, the DC reconnects" wait_for 40 dc_live 8009
check "after the stall, stafd has read the log again" wait_for 40 rx_above "$n"
phase_end

phase_begin "AEN burst: 60 forced discovery AENs, 20 ms apart"
n=$(rx)
a=$(ef_emu_lines cdc "AEN 0x70f002")
python3 - $E2E_RUN/cdc.sock 60 0.02 > $E2E_RUN/burst.txt <<-'EOF'
	import json, socket, sys, time
	s = socket.socket(socket.AF_UNIX)
	s.connect(sys.argv[1])
	f = s.makefile("rw")
	notified = 0
	for _ in range(int(sys.argv[2])):
	    f.write('{"op":"fire-aen","force":true}\n')
	    f.flush()
	    notified += json.loads(f.readline()).get("notified", 0)
	    time.sleep(float(sys.argv[3]))
	print(notified)
EOF
sent=$(( $(ef_emu_lines cdc "AEN 0x70f002") - a ))
echo "  the emulator sent $sent AENs (the host re-arms its AER after each)"
check "at least 10 AENs reached the host in the burst" test "$sent" -ge 10
check "stafd read the log after the burst" wait_for 30 rx_above "$n"
sleep 2
phase_end

kill $UDEVMON
wait $UDEVMON 2>/dev/null
step "probes stopped (own: latency - guest stalls - run-queue waits; busy: main loop not free)"
ef_probes_stop > $E2E_RUN/lat.show
sed "s/^/  /" $E2E_RUN/lat.show
ef_keep $E2E_RUN/lat-*.txt $E2E_RUN/uevents.txt
echo "  per fault (calls started during it):"
phase_report
check "every D-Bus call to stafd was answered, the daemon's share each below $LIMIT_MS ms" \
	ef_all_answered_below stafd $LIMIT_MS
check "every D-Bus call to stacd was answered, the daemon's share each below $LIMIT_MS ms" \
	ef_all_answered_below stacd $LIMIT_MS

step "the I/O controllers through all of it ($(grep -c KERNEL $E2E_RUN/uevents.txt) nvme uevents)"
printf '  reference: %s\n' "${REF_LINES[@]}"
ioc_events() {   # the uevents of the reference I/O controllers
	local dev
	for dev in $(printf '%s\n' "${REF_LINES[@]}" | cut -d' ' -f1); do
		grep "/$dev (nvme)" $E2E_RUN/uevents.txt
	done
	return 0
}
grep KERNEL $E2E_RUN/uevents.txt | awk '{ print $2, $3 }' | sort | uniq -c | sed 's/^/  uevents: /'
check "${IO}1..3 stayed connected: not one uevent of theirs (no reset, reconnect, removal)" \
	test -z "$(ioc_events)"
check "the I/O controllers are the reference ones (same devices, cntlids, live)" iocs_as_ref

step "after all the faults, a zoning change is still followed"
ef_emuctl cdc add-entry "{\"entry\":$(ef_entry ${IO}4)}" > /dev/null
check "${IO}4 added to the log -> stacd connects it" wait_for 30 ioc_live ${IO}4 4420

e2e_finish
