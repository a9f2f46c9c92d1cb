#!/bin/bash
# scenario 5 (first half): a central discovery controller played by the
# project's DC emulator.  stafd registers with it (DIM: host NQN, host ID,
# symbolic name from sys.conf), reads its log whole (no PLEO for a CDC),
# follows its referral to a DDC whose log it reads with PLEO (and in full
# with pleo=disabled), and drops the DDC when the referral goes; stacd
# connects the I/O controllers of both logs and gives up on an NCC entry
# after connect-attempts-on-ncc attempts, until the NCC flag clears.
# the faults (malformed entries, a stalled DC) are in scenario-cdc-faults.sh.
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=cdc-lib.sh
. "$(dirname "$0")/cdc-lib.sh"
IO=nqn.2014-08.org.example:stas-cdc
DDC_NQN=nqn.2014-08.org.example:stas-ddc
HOSTNQN=$(cat /etc/nvme/hostnqn)
HOSTID=$(cat /etc/nvme/hostid)

step "kernel, bus, udev"
e2e_boot
rm -f /etc/stas/sys.conf

step "target: ${IO}1..5 on 127.0.0.1:4420; nothing listens on 4430 and 4431 yet"
nvmet_port 1 127.0.0.1 4420
for i in 1 2 3 4 5 6; do
	nvmet_subsys $IO$i file:/run/cdc$i.img:4M
	[ $i = 6 ] || nvmet_link 1 $IO$i
done
check "target listens on 4420" wait_for 5 sh -c 'ss -ltnH | grep -q 127.0.0.1:4420'

# the CDC's log: three I/O subsystems (one not port-local), a referral to
# the DDC, an NCC entry (eflags 4) and a plain one whose targets refuse
REFERRAL='{"subtype":"referral","traddr":"127.0.0.1","trsvcid":"8010","subnqn":"'$DDC_NQN'"}'
CDC_IOCS="$(entry ${IO}1 4420),$(entry ${IO}2 4420),$(entry ${IO}3 4420 '"local":false')"
NCC_ENTRY=$(entry ${IO}6 4430 '"eflags":4')
DOWN_ENTRY=$(entry ${IO}7 4431)
step "emulators: CDC on 8009 (well-known NQN, PLEO), DDC $DDC_NQN on 8010 (PLEO)"
check "CDC emulator ready on 8009" emu_start cdc 8009 --dctype cdc \
	--entry "$(entry ${IO}1 4420)" --entry "$(entry ${IO}2 4420)" \
	--entry "$(entry ${IO}3 4420 '"local":false')" --entry "$REFERRAL" \
	--entry "$NCC_ENTRY" --entry "$DOWN_ENTRY"
check "DDC emulator ready on 8010" emu_start ddc 8010 --dctype ddc --nqn $DDC_NQN \
	--entry "$(entry ${IO}4 4420)" --entry "$(entry ${IO}5 4420 '"local":false')"

step "stafd (the CDC configured) and stacd (connect-attempts-on-ncc=1)"
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
e2e_conf stacd <<-EOF
	[Global]
	tron=true
	[I/O controller connection management]
	connect-attempts-on-ncc=1
EOF
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd

step "registration with the CDC (DIM)"
check "stafd's DC to the CDC at 8009 is live" wait_for 30 dc_live 8009
CDC_DEV=$(nvme_find_ctrl $DISC_NQN 8009)
check "the kernel sees the CDC as dctype cdc" test "$(nvme_ctrl_attr "$CDC_DEV" dctype)" = cdc
check "the CDC recorded one registration (DIM register)" \
	wait_for 20 emu_q cdc list-registrations 'len(regs) == 1 and regs[0]["tas"] == 0'
emuctl cdc list-registrations | sed 's/^/  CDC: /'
check "DIM host NQN = /etc/nvme/hostnqn" reg_is cdc hostnqn "$HOSTNQN"
check "DIM host ID = /etc/nvme/hostid" reg_is cdc hostid "$HOSTID"
# shellcheck disable=SC2016  # eval expands them
check "Connect carried the same host NQN and host ID" eval \
	'reg_is cdc connect_hostnqn "$HOSTNQN" && reg_is cdc connect_hostid "$HOSTID"'
check "DIM entity name = the host name (libnvme fills ENAME)" reg_is cdc ename "$(hostname)"
check "DIM without a symbolic name: sys.conf has no symname (REFERENCE 2.3)" \
	reg_is cdc symname None
check "the CDC took the host address from the connection (127.0.0.1)" \
	reg_is cdc traddr 127.0.0.1

step "the CDC's log is read whole: PLEO is for DDCs only (REFERENCE 5.5)"
for i in 1 2 3; do
	check "stacd connected ${IO}$i from the CDC's log" wait_for 60 ioc_live $IO$i 4420
done
check "the CDC saw LSP 0 on its last log read" emu_q cdc list-connections \
	'len(live) == 1 and live[0]["log_reads"] > 0 and live[0]["last_lsp"] == 0'
check "... so its entry marked local: false (${IO}3) is used" adlp_lists "${IO}3"

step "referral: the CDC's log names a DDC on 8010"
check "stafd connected the referred DDC at 8010" wait_for 30 dc_live 8010
DDC_DEV=$(nvme_find_ctrl $DDC_NQN 8010)
check "the DDC controller: dctype ddc, subsysnqn the DDC's unique NQN" sh -c \
	"[ '$(nvme_ctrl_attr "$DDC_DEV" dctype)' = ddc ] && [ '$(nvme_ctrl_attr "$DDC_DEV" subsysnqn)' = $DDC_NQN ]"
check "stafctl ls lists the referral DC (8010, $DDC_NQN)" stafctl_lists $DDC_NQN
check "stafd registered with the DDC too (host NQN)" wait_for 20 reg_is ddc hostnqn "$HOSTNQN"
check "stacd connected ${IO}4 from the DDC's log" wait_for 60 ioc_live ${IO}4 4420

step "PLEO on the DDC (pleo enabled, the default)"
check "the DDC's log was read with LSP 2 (PLEO) after Supported Log Pages said PLEOS" \
	emu_q ddc list-connections 'len(live) == 1 and live[0]["last_lsp"] == 2'
check "${IO}5 (local: false) is not in stafd's cache" adlp_lacks "${IO}5"
check "${IO}5 is not connected" ioc_absent ${IO}5 4420
"$STAFCTL" ls | sed 's/^/  stafctl ls: /'

step "NCC: ${IO}6 at 4430 flagged NCC, ${IO}7 at 4431 not; both refuse connections"
check "stacd gives up on ${IO}6 after 2 attempts (connect-attempts-on-ncc=1 counts as 2)" \
	wait_for 30 grep -q \
	"4430, ${IO}6.*NCC: giving up after 2 connect attempts (connect-attempts-on-ncc=2)" \
	$E2E_RUN/stacd.log
check "... stacctl: ${IO}6 has NCC, 2 attempts, its retry timer off" ioc_info ${IO}6 \
	'c["dlpe.eflags.ncc"] == "True" and c["connect attempts"] == "2" and c["retry connect timer"].endswith("[off]")'
check "${IO}7 (no NCC) keeps retrying: retry timer running after its 2nd attempt" \
	wait_for 30 ioc_info ${IO}7 \
	'c["dlpe.eflags.ncc"] == "False" and int(c["connect attempts"]) >= 2 and not c["retry connect timer"].endswith("[off]")'
check "no give-up for ${IO}7" sh -c "! grep -q '4431, ${IO}7.*giving up' $E2E_RUN/stacd.log"
check "the other I/O controllers stay connected" all_live 4420 ${IO}1 ${IO}2 ${IO}3 ${IO}4

step "NCC cleared: ${IO}6 served on 4430, the CDC's entry without NCC"
nvmet_port 2 127.0.0.1 4430
nvmet_link 2 ${IO}6
emuctl cdc set-entries "{\"entries\":[$CDC_IOCS,$REFERRAL,$(entry ${IO}6 4430),$DOWN_ENTRY]}" \
	> /dev/null
check "stacd connects ${IO}6 at 4430 (NCC went away: attempts start again)" \
	wait_for 30 ioc_live ${IO}6 4430

step "reload: pleo=disabled in stafd.conf, a symbolic name in sys.conf (Q15)"
"$BUILD/src/ctl/stasadm" set-symname cdc-e2e-host
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	pleo=disabled
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
e2e_daemon_reload stafd
check "the CDC's registration now has symname cdc-e2e-host" \
	wait_for 20 reg_is cdc symname cdc-e2e-host
check "the DDC's registration too" wait_for 20 reg_is ddc symname cdc-e2e-host
check "pleo=disabled: the DDC's log is read with LSP 0" wait_for 20 \
	emu_q ddc list-connections 'len(live) == 1 and live[0]["last_lsp"] == 0'
check "pleo=disabled: ${IO}5 (local: false) is now connected" wait_for 30 ioc_live ${IO}5 4420

step "the referral removed from the CDC's log at run time"
emuctl cdc set-entries "{\"entries\":[$CDC_IOCS,$(entry ${IO}6 4430),$DOWN_ENTRY]}" > /dev/null
check "stafd drops the referred DC: no controller to 8010 left" wait_for 30 dc_gone 8010
check "stafctl ls no longer lists $DDC_NQN" stafctl_lacks $DDC_NQN
check "the DDC's association is over" wait_for 10 emu_q ddc list-connections 'len(live) == 0'
check "stacd disconnects ${IO}4 and ${IO}5 (named by the DDC only)" \
	wait_for 30 eval "ioc_absent ${IO}4 4420 && ioc_absent ${IO}5 4420"
check "the CDC and its I/O controllers stay" eval \
	"dc_live 8009 && all_live 4420 ${IO}1 ${IO}2 ${IO}3 && ioc_live ${IO}6 4430"
check "every kernel controller has our address, NQNs and host NQN" kernel_strings_clean
ctrl_rows discovery | sed 's/^/  sysfs DC:  /'
ctrl_rows io | sed 's/^/  sysfs IOC: /'

e2e_finish
rc=$?
cdc_save_logs
[ $rc = 0 ]
