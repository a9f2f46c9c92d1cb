#!/bin/bash
# scenario 8 (SPEC B4): dead targets among live ones.  the DC emulator's log
# page lists, first, an I/O subsystem at an address whose SYNs vanish (a
# dummy link: no answer, no refusal), then live nvmet subsystems.  stacd
# connects the live ones without waiting for the dead one (its TCP probe
# times out in 3 s; the kernel's own connect would hold the fabrics mutex
# for the whole SYN timeout, about 2 minutes), keeps retrying the dead one
# on its timer, and answers on the bus all the while.  then a "mute" target
# joins: it accepts TCP and never answers the ICReq.  the TCP probe cannot
# tell, so the kernel gets it and holds its one-connect-at-a-time mutex for
# its 10 s ICResp timeout: a live subsystem that joins meanwhile is connected
# right after that (the known limit of a TCP-level probe), the mute one is
# retried, and stacd never stalls.
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=reconnect-lib.sh
. "$(dirname "$0")/reconnect-lib.sh"
IO=nqn.2014-08.org.example:stas-dt
DEAD=nqn.2014-08.org.example:stas-dead
MUTE=nqn.2014-08.org.example:stas-mute
DEAD_ADDR=10.99.0.2
MUTE_PORT=4431

step "kernel, bus, udev"
e2e_boot

step "target: ${IO}1..3 on 127.0.0.1:4420"
nvmet_port 1 127.0.0.1 4420
for i in 1 2 3; do
	nvmet_subsys $IO$i file:/run/dt$i.img:8M
	nvmet_link 1 $IO$i
done

step "a dead address: $DEAD_ADDR behind a dummy link (what is sent there vanishes)"
modprobe dummy
ip link add dead0 type dummy
ip addr add 10.99.0.1/24 dev dead0
ip link set dead0 up
# bash's /dev/tcp connect: exit 124 = still waiting when timeout fired
syn_unanswered() {
	timeout 2 bash -c "exec 3<> /dev/tcp/$DEAD_ADDR/4420"
	[ $? = 124 ]
}
check "a TCP connect to $DEAD_ADDR:4420 gets no answer (neither accepted nor refused)" \
	syn_unanswered

step "a mute target: 127.0.0.1:$MUTE_PORT accepts TCP and never says a word"
# python3 as a test tool only: a listener that never accepts; the kernel
# completes the handshakes into its backlog, the ICReq is never read
python3 -c "import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $MUTE_PORT))
s.listen(64)
time.sleep(100000)" &
MUTE_PID=$!
check "the mute target accepts TCP" wait_for 20 \
	timeout 2 bash -c "exec 3<> /dev/tcp/127.0.0.1/$MUTE_PORT"

step "the DC emulator (CDC) on 127.0.0.1:8009 lists the dead one first, then ${IO}1, ${IO}2"
check "DC emulator ready" emu_start cdc 8009 --dctype cdc \
	--entry "$(emu_entry $DEAD $DEAD_ADDR)" --entry "$(emu_entry ${IO}1)" \
	--entry "$(emu_entry ${IO}2)"
e2e_conf stafd <<-EOF
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
e2e_conf stacd <<-EOF
	[Global]
	tron=true
EOF
check "stafd started" e2e_daemon_start stafd
check "stafd read the log page (3 records)" wait_for 30 \
	log_has stafd "Received discovery log pages (num records=3)"

# ctl_obj NEEDLE: the objects of `stacctl ls --detailed --json` (stdin) that
# contain NEEDLE, one member a line
ctl_obj() { awk -v n="$1" '/^  \{/ { b = "" } { b = b $0 "\n" } /^  \}/ && index(b, n) { printf "%s", b }'; }
# sample_ls SECONDS NEEDLE: run `stacctl ls --detailed --json` again and again;
# one line per call: uptime, milliseconds, exit status, 1 if NEEDLE's
# controller had a connect in progress
sample_ls() {
	local end t0 t1 rc pend
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt $end ]; do
		t0=$(date +%s%N)
		"$STACCTL" ls --detailed --json > $E2E_RUN/ls.json 2>&1
		rc=$?
		t1=$(date +%s%N)
		pend=$(ctl_obj "$2" < $E2E_RUN/ls.json | grep -c '"connect operation"')
		echo "$(up) $(((t1 - t0) / 1000000)) $rc $pend"
	done
}
# first_live FILE SINCE TOKEN...: seconds from SINCE to the first sample where
# every " NQN <cntlid> live;" pattern holds (TOKEN = NQN)
first_live() {
	local f=$1 since=$2
	shift 2
	awk -v since="$since" -v toks="$(printf '%s\n' "$@")" '
		BEGIN { n = split(toks, t, "\n") }
		$1 >= since {
			ok = 1
			for (i = 1; i <= n; i++)
				if (t[i] != "" && $0 !~ (" " t[i] " [0-9]+ live;")) ok = 0
			if (ok) { printf "%.1f\n", $1 - since; found = 1; exit }
		}
		END { exit !found }' "$f"
}
# over the samples of FILE: every call answered; none slower than MS; answers
# computed while the controller's connect was in progress (the daemon's main
# loop was not held by it: a blocked loop answers only once the connect is
# over, and then the connect is no longer in progress)
ls_answered() { awk '$3 != 0 { bad = 1 } END { exit bad || NR == 0 }' "$1"; }
ls_within() { awk -v m="$2" '$2 > m { bad = 1 } END { exit bad }' "$1"; }   # FILE MS
ls_pending_count() { awk '$4 > 0 { n++ } END { print n + 0 }' "$1"; }
ls_while_pending() { [ "$(ls_pending_count "$1")" -ge 2 ]; }
ls_slowest() { sort -k2 -n "$1" | tail -n1 | cut -d' ' -f2; }
ls_show() { echo "  stacctl ls samples (ms/$2 pending):" "$(awk '{ printf "%s/%s ", $2, $4 }' "$1")"; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a <= b) }'; }   # A <= B

step "stacd starts: the dead target is first in the log page"
POLL=$E2E_RUN/poll.txt
rc_poll_start $POLL
T0=$(up)
check "stacd started (owns its bus name while the dead one is probed)" e2e_daemon_start stacd
sample_ls 12 "$DEAD" > $E2E_RUN/ls1.txt
ls_show $E2E_RUN/ls1.txt dead
LIVE1=$(first_live $POLL "$T0" ${IO}1 ${IO}2)
echo "  ${IO}1 and ${IO}2 live ${LIVE1:-never} s after stacd's start (dead target's probe: 3 s; the kernel's SYN timeout: ~127 s)"
check "${IO}1 and ${IO}2 are live within 15 s of stacd's start" le "$LIVE1" 15
# the uptime of the first sample after the first probe of the dead one ended
PROBE1_END=$(awk '$4 > 0 { seen = 1 } seen && $4 == 0 { print $1; exit }' $E2E_RUN/ls1.txt)
LIVE1_AT=${LIVE1:+$(awk -v t="$T0" -v d="$LIVE1" 'BEGIN { print t + d }')}
check "... before the dead target's first probe had given up (live at ${LIVE1_AT:-?}, probe over by ${PROBE1_END:-?})" \
	le "$LIVE1_AT" "$PROBE1_END"
check "stacctl ls answered every call ($(wc -l < $E2E_RUN/ls1.txt) calls)" \
	ls_answered $E2E_RUN/ls1.txt
check "... within 5 s each, far less than a connect takes (slowest: $(ls_slowest $E2E_RUN/ls1.txt) ms)" \
	ls_within $E2E_RUN/ls1.txt 5000
check "stacd answered while the dead target's probe was in flight ($(ls_pending_count $E2E_RUN/ls1.txt) answers show it)" \
	ls_while_pending $E2E_RUN/ls1.txt
check "the dead target has no controller in sysfs" ioc_absent $DEAD 4420
check "the first attempt failed at the TCP probe, never in the kernel" \
	sh -c "grep -F '$DEAD' $E2E_RUN/stacd.log | grep -q 'connect attempt 1 failed: $DEAD_ADDR:4420: no answer within'"
check "stacd retried it (fast retry) and logged the failure" wait_for 15 sh -c \
	"grep -F '$DEAD' $E2E_RUN/stacd.log | grep -q 'Failed to connect to controller'"
# the dead one in stacd's detailed listing: not connected, 2+ attempts, the
# retry timer running
dead_retried() {
	"$STACCTL" ls --detailed --json | ctl_obj "$DEAD" > $E2E_RUN/dead.json
	grep -q '"device": "nvme?"' $E2E_RUN/dead.json &&
		grep -q '"connect attempts": "[2-9]' $E2E_RUN/dead.json &&
		grep -q '"retry connect timer": "[0-9.]*s \[[0-9.]*s\]"' $E2E_RUN/dead.json
}
check "stacctl ls --detailed: the dead one is not connected, tried 2+ times, its retry timer runs" \
	dead_retried
sed "s/^/  /" $E2E_RUN/dead.json

step "the mute target joins the log page; while the kernel waits for its ICResp, ${IO}3 joins"
ENTRIES="$(emu_entry $DEAD $DEAD_ADDR),$(emu_entry $MUTE 127.0.0.1 $MUTE_PORT),$(emu_entry ${IO}1),$(emu_entry ${IO}2)"
emuctl cdc set-entries "{\"entries\":[$ENTRIES]}" > /dev/null
# the kernel's own socket to the mute target (no process owns it; the
# probe's socket belongs to stacd and is closed at once)
kernel_on_mute() {
	ss -tnpH state established dst 127.0.0.1 dport = :$MUTE_PORT | grep -qv users:
}
check "stacd handed the mute target to the kernel (the TCP probe cannot tell it is mute)" \
	wait_for 30 kernel_on_mute
T1=$(up)
emuctl cdc set-entries "{\"entries\":[$ENTRIES,$(emu_entry ${IO}3)]}" > /dev/null
sample_ls 16 "$MUTE" > $E2E_RUN/ls2.txt
ls_show $E2E_RUN/ls2.txt mute
LIVE3=$(first_live $POLL "$T1" ${IO}3)
echo "  ${IO}3 live ${LIVE3:-never} s after it joined"
# the kernel runs one fabrics connect at a time: ${IO}3 waits for the rest of
# the mute target's ICResp timeout (10 s), no more
check "${IO}3 is live within 15 s of joining (the rest of one ICResp timeout, at most)" \
	le "$LIVE3" 15
check "stacctl ls answered every call ($(wc -l < $E2E_RUN/ls2.txt) calls)" \
	ls_answered $E2E_RUN/ls2.txt
check "... within 5 s each, far less than a connect takes (slowest: $(ls_slowest $E2E_RUN/ls2.txt) ms)" \
	ls_within $E2E_RUN/ls2.txt 5000
check "stacd answered while the mute target's kernel connect was in progress ($(ls_pending_count $E2E_RUN/ls2.txt) answers show it)" \
	ls_while_pending $E2E_RUN/ls2.txt
check "the mute target has no controller in sysfs" ioc_absent $MUTE $MUTE_PORT
check "stacd retried the mute one and logged the failure" wait_for 30 sh -c \
	"grep -F '$MUTE' $E2E_RUN/stacd.log | grep -q 'Failed to connect to controller'"
dmesg | grep -i nvme | tail -6 | sed 's/^/  dmesg: /'

step "afterwards"
rc_poll_stop
for i in 1 2 3; do
	check "${IO}$i connected" ioc_live ${IO}$i 4420
done
check "exactly 3 I/O controllers" ioc_count 3
# from the first sample with both live on
awk -v s="${LIVE1_AT:-0}" '$1 >= s' $POLL > $E2E_RUN/poll-after.txt
check "${IO}1 and ${IO}2 never left once live ($(wc -l < $E2E_RUN/poll-after.txt) samples)" \
	poll_kept $E2E_RUN/poll-after.txt "$(ioc_token ${IO}1 4420)" "$(ioc_token ${IO}2 4420)"
kill $MUTE_PID 2>/dev/null

rc_keep_logs
e2e_finish
