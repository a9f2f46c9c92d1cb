#!/bin/bash
# scenario 7: NBFT boot.  the guest boots with an NBFT (nbft-gen, passed with
# qemu -acpitable) naming a boot subsystem on 127.0.0.1:4420 and a discovery
# controller on 127.0.0.1:8009.  the boot subsystem is connected before the
# daemons start, with the NBFT's host NQN and ID, as the initramfs does.
# stafd connects the NBFT's DC (stafd.conf names none); stacd, in audit mode
# (it disconnects a stray connection nobody asked for), keeps the boot
# connection (B7: NBFT subsystems are configured I/O controllers), also after
# a reload with a config that excludes it, a stafd reload and a stacd
# restart.  a background poller watches the boot controller the whole time.
# runs INSIDE the guest: run-scenario.sh BUILD_DIR scenario-nbft.sh
# e2e-preboot: nbft-preboot.sh
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=nbft-lib.sh
. "$E2E_HERE/nbft-lib.sh"
BOOT=$NBFT_BOOT_NQN
DATA=nqn.2014-08.org.example:stas-nbft-data
STRAY=nqn.2014-08.org.example:stas-nbft-stray
ACPI_NBFT=/sys/firmware/acpi/tables/NBFT

step "the firmware table"
check "$ACPI_NBFT exists" test -f $ACPI_NBFT
check "it is the table nbft-gen wrote (qemu passed it unchanged)" \
	cmp $ACPI_NBFT "${VM_OUT:?}/$NBFT_FILE"

step "kernel, bus, udev"
e2e_boot

step "target: DC 127.0.0.1:8009 ($DATA), I/O 127.0.0.1:4420 ($BOOT, $STRAY)"
nvmet_port 1 127.0.0.1 "$NBFT_DC_TRSVCID"
nvmet_port 2 127.0.0.1 "$NBFT_BOOT_TRSVCID"
nvmet_subsys $DATA file:/run/nbft-data.img:8M
nvmet_subsys $BOOT file:/run/nbft-boot.img:8M
nvmet_subsys $STRAY file:/run/nbft-stray.img:8M
nvmet_link 1 $DATA
nvmet_link 2 $BOOT
nvmet_link 2 $STRAY
check "target listens on 8009 and 4420" wait_for 5 sh -c \
	'ss -ltnH | grep -q 127.0.0.1:8009 && ss -ltnH | grep -q 127.0.0.1:4420'

step "boot: the initramfs connects the NBFT's subsystem"
check "nvme connect $BOOT with the NBFT's host NQN and host ID" \
	nvme connect -t tcp -a 127.0.0.1 -s "$NBFT_BOOT_TRSVCID" -n $BOOT \
	--hostnqn="$NBFT_HOST_NQN" --hostid="$NBFT_HOST_ID"
check "nvme connect $STRAY (another tool's connection, in no config)" \
	nvme connect -t tcp -a 127.0.0.1 -s "$NBFT_BOOT_TRSVCID" -n $STRAY
check "the boot controller is live" wait_for 10 ioc_live $BOOT "$NBFT_BOOT_TRSVCID"
BOOT_CTRL=$(nvme_find_ctrl $BOOT "$NBFT_BOOT_TRSVCID")

# the boot controller, one line: name, subsysnqn, cntlid, state (bash
# builtins only: a fork costs milliseconds under TCG, the poller must be dense)
boot_state() {
	local c=/sys/class/nvme/$BOOT_CTRL q i st
	{ read -r q < "$c/subsysnqn" && read -r i < "$c/cntlid" && read -r st < "$c/state"; } \
		2>/dev/null || { echo "$BOOT_CTRL gone"; return; }
	echo "$BOOT_CTRL $q $i $st"
}
REF=$(boot_state)
echo "  boot controller: $REF"
POLL=$E2E_RUN/boot-poll.txt
(
	while :; do
		read -r u _ < /proc/uptime
		echo "$u $(boot_state)"
		sleep 0.05
	done
) > $POLL 2> $POLL.err &   # stderr apart: a sample cut by the final kill writes an error there
POLLER=$!

audit_conf() {
	e2e_conf stacd <<-EOF
		[Global]
		tron=true
		[I/O controller connection management]
		disconnect-scope=all-connections-matching-disconnect-trtypes
		disconnect-trtypes=tcp
	EOF
}
step "stafd (no controller= in stafd.conf), stacd in audit mode"
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	[Service Discovery]
	zeroconf=disabled
EOF
audit_conf
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd

# sysfs hostnqn of the discovery controller on 127.0.0.1:TRSVCID
dc_hostnqn() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/cntrltype" 2>/dev/null)" = discovery ] || continue
		case ",$(cat "$c/address")," in *",trsvcid=$1,"*) cat "$c/hostnqn"; return 0 ;; esac
	done
	return 1
}
stacd_lists() { "$STACCTL" ls | grep -q "$1"; }
stacd_lists_not() { ! "$STACCTL" ls | grep -q "$1"; }

step "stafd connects the NBFT's DC, stacd follows it"
for d in stafd stacd; do
	check "$d logged the NBFT it read" \
		wait_for 10 grep -q "NBFT location(s): \['$ACPI_NBFT'\]" $E2E_RUN/$d.log
done
check "stafd's DC to 127.0.0.1:$NBFT_DC_TRSVCID is live" wait_for 30 dc_live "$NBFT_DC_TRSVCID"
check "the DC connection uses the NBFT's host NQN (Q9)" \
	test "$(dc_hostnqn "$NBFT_DC_TRSVCID")" = "$NBFT_HOST_NQN"
"$STAFCTL" ls > $E2E_RUN/stafctl-ls.txt 2>&1
sed 's/^/    /' $E2E_RUN/stafctl-ls.txt
check "stafctl ls lists the NBFT's DC" grep -q "$NBFT_DC_TRSVCID" $E2E_RUN/stafctl-ls.txt
check "stacd connected $DATA from the DC's log page" \
	wait_for 60 ioc_live $DATA "$NBFT_DC_TRSVCID"
check "... with the DC's host NQN" \
	test "$(nvme_ctrl_attr "$(nvme_find_ctrl $DATA "$NBFT_DC_TRSVCID")" hostnqn)" = \
	"$NBFT_HOST_NQN"
check "audit mode: stacd disconnected the stray $STRAY" \
	wait_for 30 ioc_absent $STRAY "$NBFT_BOOT_TRSVCID"
check "stacctl ls lists the boot subsystem (an NBFT configured IOC)" wait_for 10 stacd_lists $BOOT
"$STACCTL" ls | sed 's/^/    /'
check "the boot controller is still live" ioc_live $BOOT "$NBFT_BOOT_TRSVCID"

step "stacd reload (SIGHUP), audit mode"
e2e_daemon_reload stacd
check "after the reload stacd lists $DATA and the boot subsystem" \
	wait_for 30 sh -c "'$STACCTL' ls | grep -q '$DATA' && '$STACCTL' ls | grep -q '$BOOT'"

step "stacd.conf excludes the boot subsystem (default scope), reload"
e2e_conf stacd <<-EOF
	[Global]
	tron=true
	[Controllers]
	exclude=transport=tcp;traddr=127.0.0.1;trsvcid=$NBFT_BOOT_TRSVCID;subsysnqn=$BOOT
EOF
e2e_daemon_reload stacd
check "the reload took effect: stacd no longer lists the excluded boot subsystem" \
	wait_for 30 stacd_lists_not $BOOT
check "the boot controller is still live" ioc_live $BOOT "$NBFT_BOOT_TRSVCID"

step "stafd reload (SIGHUP)"
e2e_daemon_reload stafd
check "after the stafd reload stacd still lists $DATA" \
	wait_for 30 sh -c "'$STACCTL' ls | grep -q '$DATA'"
check "the NBFT's DC is still live" dc_live "$NBFT_DC_TRSVCID"

step "stacd restart, audit mode again"
audit_conf
check "stacd stopped cleanly" e2e_daemon_stop stacd
check "stacd started again" e2e_daemon_start stacd
check "after the restart stacd lists the boot subsystem again" wait_for 30 stacd_lists $BOOT
check "... and $DATA" wait_for 30 stacd_lists $DATA
sleep 3   # audits and the soak run: a disconnect would happen now

step "both stopped"
check "stacd stopped cleanly" e2e_daemon_stop stacd
check "stafd stopped cleanly" e2e_daemon_stop stafd
kill $POLLER
wait $POLLER 2>/dev/null

step "the poller's view ($(wc -l < $POLL) samples)"
cut -d' ' -f2- $POLL | uniq -c | sed 's/^/  /'
poll_stable() { [ "$(cut -d' ' -f2- $POLL | sort -u)" = "$REF" ]; }
check "over $(wc -l < $POLL) samples the boot controller never changed (same device and cntlid, live)" \
	poll_stable
check "the boot connection outlives both daemons" ioc_live $BOOT "$NBFT_BOOT_TRSVCID"
check "the NBFT's DC outlives stafd (persistent-connections)" dc_live "$NBFT_DC_TRSVCID"

e2e_finish
