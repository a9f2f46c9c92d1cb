#!/bin/bash
# scenario 3: lost connections come back.  nvmet serves 3 I/O subsystems on
# 127.0.0.1:4420; the DC emulator, a CDC on 127.0.0.1:8009, lists them.
# `nvme disconnect` of a managed IOC -> stacd connects it again;
# `nvme disconnect` of the DC -> stafd connects it again and registers anew;
# the DC's TCP connection killed (ss -K) -> the kernel reconnects and emits
# NVME_EVENT=rediscover -> stafd registers again and re-reads the log page.
# a background poller watches sysfs throughout: the IOCs that were not
# disconnected never leave (same device, same controller ID, always live).
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
UEVENT_LOG=/run/e2e/uevents.log
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=reconnect-lib.sh
. "$(dirname "$0")/reconnect-lib.sh"
IO=nqn.2014-08.org.example:stas-rc

step "kernel, bus, udev"
e2e_boot

step "target: ${IO}1..3 on 127.0.0.1:4420; the DC emulator (CDC) on 127.0.0.1:8009 lists them"
nvmet_port 1 127.0.0.1 4420
for i in 1 2 3; do
	nvmet_subsys $IO$i file:/run/rc$i.img:8M
	nvmet_link 1 $IO$i
done
check "DC emulator (CDC) ready on 127.0.0.1:8009" emu_start cdc 8009 --dctype cdc \
	--entry "$(emu_entry ${IO}1)" --entry "$(emu_entry ${IO}2)" --entry "$(emu_entry ${IO}3)"
uevent_start

# reconnect-delay=1: the kernel's own reconnect after the socket kill comes
# in 1 s instead of 10 s
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009;reconnect-delay=1
EOF
e2e_conf stacd <<-EOF
	[Global]
	tron=true
EOF
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "stafd's DC to the CDC is live" wait_for 30 dc_live 8009
for i in 1 2 3; do
	check "stacd connected ${IO}$i" wait_for 60 ioc_live $IO$i 4420
done
HOSTNQN=$(cat /etc/nvme/hostnqn)
HOSTID=$(cat /etc/nvme/hostid)
registered() {   # the CDC has exactly one registration: this host's NQN and ID
	local r
	r=$(emu_registrations cdc)
	echo "$r"
	[ "$(echo "$r" | wc -l)" = 1 ] && [ "$(echo "$r" | cut -d' ' -f1-2)" = "$HOSTNQN $HOSTID" ]
}
check "the CDC recorded this host's registration (host NQN, host ID)" wait_for 20 registered
DC=$(dc_dev 8009)
echo "  DC=$DC; IOCs:"
ctrl_rows io | sed 's/^/    /'

# the reference: the IOCs that no event below may touch
KEEP1=$(ioc_token ${IO}1 4420)
KEEP3=$(ioc_token ${IO}3 4420)
echo "  kept throughout: $KEEP1 $KEEP3"
POLL=$E2E_RUN/poll.txt
rc_poll_start $POLL

step "nvme disconnect of the managed IOC ${IO}2"
C2=$(nvme_find_ctrl ${IO}2 4420)
nvme disconnect -d "$C2" | sed 's/^/  /'
check "${IO}2's controller $C2 is gone after nvme disconnect" ioc_absent ${IO}2 4420
check "stacd connects ${IO}2 again (a new live controller to the same NQN)" \
	wait_for 20 ioc_live ${IO}2 4420
check "stacd saw the remove event of $C2" log_has stacd "| $C2 - Received \"remove\" event"
ctrl_rows io | sed 's/^/  sysfs IOC: /'

step "nvme disconnect of the DC $DC"
DIM0=$(emu_dim_count cdc)
N_LOG0=$(log_count stafd "Received discovery log pages")
nvme disconnect -d "$DC" | sed 's/^/  /'
check "the DC $DC is gone after nvme disconnect" dc_count 0
check "stafd connects the DC again" wait_for 30 dc_live 8009
check "the CDC took a fresh registration (DIM count $DIM0 -> more)" wait_for 20 emu_dim_above cdc "$DIM0"
check "... still one registration, this host's NQN and ID" registered
check "stafd read the log page again after the reconnect" wait_for 20 sh -c \
	"[ \$(grep -cF 'Received discovery log pages' $E2E_RUN/stafd.log) -gt $N_LOG0 ]"
check "stafd saw the remove event of $DC" log_has stafd "| $DC - Received \"remove\" event"
DC=$(dc_dev 8009)
echo "  DC is now $DC"

step "the DC's TCP connection killed (ss -K): the kernel reconnects it"
wait_for 10 emu_conn cdc "$(nvme_ctrl_attr "$DC" cntlid)" log_reads > /dev/null
CNTLID0=$(nvme_ctrl_attr "$DC" cntlid)
DIM1=$(emu_dim_count cdc)
N_LOG1=$(log_count stafd "Received discovery log pages")
N_RED0=$(uevent_count "change $DC NVME_AEN= NVME_EVENT=rediscover")
ss -K dst 127.0.0.1 dport = 8009 | sed 's/^/  /'
rediscovered() { [ "$(uevent_count "change $DC NVME_AEN= NVME_EVENT=rediscover")" -gt "$N_RED0" ]; }
new_assoc() {   # the kernel's controller talks to a new association of the CDC
	local c
	c=$(nvme_ctrl_attr "$DC" cntlid)
	[ "$(nvme_ctrl_attr "$DC" state)" = live ] && [ "$c" != "$CNTLID0" ]
}
check "the kernel reconnected $DC (same device, new controller ID)" wait_for 30 new_assoc
check "uevent NVME_EVENT=rediscover on $DC" wait_for 10 rediscovered
check "stafd registered again on rediscover (DIM count $DIM1 -> more)" \
	wait_for 20 emu_dim_above cdc "$DIM1"
check "... still one registration, this host's NQN and ID" registered
new_log_read() {   # the new association served the log page (stafd read it)
	local n
	n=$(emu_conn cdc "$(nvme_ctrl_attr "$DC" cntlid)" log_reads) && [ "$n" -ge 1 ]
}
check "stafd re-read the log page on the new association" wait_for 20 new_log_read
check "stafd logged the log page read again" wait_for 20 sh -c \
	"[ \$(grep -cF 'Received discovery log pages' $E2E_RUN/stafd.log) -gt $N_LOG1 ]"
check "one discovery controller in sysfs (stafd did not add a second one)" dc_count 1
check "stafd's DC object still has $DC" sh -c "'$STAFCTL' ls | grep -q \"'device': '$DC'\""
grep "$DC" "$UEVENT_LOG" | tail -4 | sed 's/^/  uevent: /'

step "afterwards: all IOCs live, the DC live"
for i in 1 2 3; do
	check "${IO}$i connected" ioc_live ${IO}$i 4420
done
check "exactly 3 I/O controllers" ioc_count 3
sleep 1
rc_poll_stop
step "the poller's view ($(wc -l < $POLL) samples)"
cut -d' ' -f2- $POLL | uniq -c | sed 's/^/  /' | tail -20
check "over $(wc -l < $POLL) samples, ${IO}1 and ${IO}3 never changed (device, cntlid, live)" \
	poll_kept $POLL "$KEEP1" "$KEEP3"
check "the poller saw ${IO}2 leave (the disconnect was real)" poll_lost $POLL " ${IO}2 "
uevent_stop

rc_keep_logs
e2e_finish
