#!/bin/bash
# issue 7 (hostile input): discovery log entries that try to inject options
# into the kernel's connect string ("key=value,key=value" written to
# /dev/nvme-fabrics, split at ',' and '\n').  the DC emulator's log turns
# hostile at run time: next to a healthy entry come entries whose traddr,
# trsvcid or subnqn carry ",nr_write_queues=1", "\nhostnqn=...",
# ",queue_size=16", ",kato=7", "\nduplicate_connect" or an '='.  every one
# names a subsystem the kernel target really has, so an injection that got
# through would show in sysfs: a controller for it, another host NQN, more
# queues, another queue size or KATO, a second controller to the healthy
# subsystem.  none does; stafd logs each rejection naming the DC, the
# entry and the field; the healthy controller is untouched.  (malformed
# entries in general: scenario cdc.)  runs INSIDE the guest: run-vm.sh
# this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=faults-lib.sh
. "$(dirname "$0")/faults-lib.sh"
P=nqn.2014-08.org.example:stas-inj
GOOD=$P-good
# the subsystems the injections would reach
TARGETS=("$P-traddr-comma" "$P-traddr-nl" "$P-trsvcid" "$P-subnqn" "$P-eq=1")

step "kernel, bus, udev"
e2e_boot

step "target on 127.0.0.1:4420: $GOOD and the injections' subsystems"
nvmet_port 2 127.0.0.1 4420
i=0
for n in "$GOOD" "${TARGETS[@]}"; do
	i=$((i + 1))
	nvmet_subsys "$n" "file:/run/inj$i.img:8M"
	nvmet_link 2 "$n"
done
check "the DC emulator (CDC on 8009) names $GOOD" ef_emu_start cdc 8009 --dctype cdc \
	--entry "$(ef_entry "$GOOD")"

e2e_conf stafd <<-EOF
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "$GOOD connected" wait_for 60 ioc_live "$GOOD" 4420
GOOD_DEV=$(nvme_find_ctrl "$GOOD" 4420)
GOOD_CNTLID=$(nvme_ctrl_attr "$GOOD_DEV" cntlid)
HOSTNQN=$(cat /etc/nvme/hostnqn)
QUEUES=$(nvme_ctrl_attr "$GOOD_DEV" queue_count)
SQSIZE=$(nvme_ctrl_attr "$GOOD_DEV" sqsize)
KATO=$(nvme_ctrl_attr "$GOOD_DEV" kato)
echo "  $GOOD: $GOOD_DEV cntlid $GOOD_CNTLID, host $(nvme_ctrl_attr "$GOOD_DEV" hostnqn)," \
	"queue_count $QUEUES, sqsize $SQSIZE, kato $KATO"
check "the healthy controller is this host's, with the kernel's defaults" eval \
	"[ '$(nvme_ctrl_attr "$GOOD_DEV" hostnqn)' = '$HOSTNQN' ] && [ '$SQSIZE' != 15 ] &&
	 [ '$KATO' != 7 ]"

step "the log turns hostile: six injection attempts next to $GOOD (one AEN)"
# JSON: \n is a newline in the entry's field
HOSTILE=(
	"$(ef_entry "$P-traddr-comma" '127.0.0.1,nr_write_queues=1')"
	"$(ef_entry "$P-traddr-nl" '127.0.0.1\nhostnqn=nqn.2014-08.org.example:evil-host')"
	"$(ef_entry "$P-trsvcid" 127.0.0.1 '4420,queue_size=16')"
	"$(ef_entry "$P-subnqn,kato=7")"
	"$(ef_entry "$GOOD\\nduplicate_connect")"
	"$(ef_entry "$P-eq=1")"
)
entries=$(ef_entry "$GOOD")
for e in "${HOSTILE[@]}"; do entries+=",$e"; done
dropped() { grep 'discovery log entry [0-9]* (byte offset [0-9]*) dropped' $E2E_RUN/stafd.log; }
reads() { grep -c 'Received discovery log pages' $E2E_RUN/stafd.log; }
# the log read after the change kept exactly one entry
kept_one() {
	[ "$(reads)" -gt "$1" ] &&
		grep 'Received discovery log pages' $E2E_RUN/stafd.log | tail -1 | grep -q 'num records=1)'
}
n=$(reads)
check "the emulator serves the entries as they are" ef_emuctl cdc set-entries \
	"{\"entries\":[$entries]}"
six_dropped() { [ "$(dropped | wc -l)" -ge 6 ]; }
check "stafd rejects all six, each in a log line" wait_for 30 six_dropped
dropped | sed 's/^/  stafd: /' | cut -c1-240
check "each rejection names the DC (127.0.0.1, 8009)" eval \
	"[ \$(dropped | grep -c '(tcp, 127.0.0.1, 8009,') -ge 6 ]"
check "the rejections name the field: traddr twice, trsvcid once, subnqn three times" eval \
	"[ \$(dropped | grep -c 'dropped: traddr:') = 2 ] &&
	 [ \$(dropped | grep -c 'dropped: trsvcid:') = 1 ] &&
	 [ \$(dropped | grep -c 'dropped: subnqn:') = 3 ]"
check "stafd read the new log and kept one record of seven ($GOOD)" wait_for 10 kept_one "$n"
sleep 3   # give stacd time to act on whatever it was sent

step "nothing was injected into the kernel"
HOSTILE_WORDS='nr_write_queues|evil-host|queue_size|kato=7|duplicate_connect|inj-eq|inj-traddr'
HOSTILE_WORDS+='|inj-trsvcid|inj-subnqn'
"$STAFCTL" adlp > $E2E_RUN/adlp.txt 2>&1
check "stafctl adlp (stafd's D-Bus) lists $GOOD and none of the hostile entries" eval \
	"grep -q -- '$GOOD' $E2E_RUN/adlp.txt &&
	 ! grep -E '$HOSTILE_WORDS' $E2E_RUN/adlp.txt"
for n in "${TARGETS[@]}"; do
	check "no controller for $n" eval "! ctrl_rows io | grep -q -- '^$n '"
done
check "$GOOD: one controller (no duplicate_connect), the same (cntlid $GOOD_CNTLID)" eval \
	"[ \$(ctrl_rows io | grep -c -- '^$GOOD ') = 1 ] &&
	 [ \"\$(nvme_ctrl_attr $GOOD_DEV cntlid)\" = $GOOD_CNTLID ]"
attrs() {   # ATTR [io]: the values of every controller (every I/O controller), one per line
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -z "${2:-}" ] || [ "$(cat "$c/cntrltype")" = "$2" ] || continue
		cat "$c/$1"
	done
}
check "every controller is this host's (no hostnqn=... got through)" eval \
	"[ \"\$(attrs hostnqn | sort -u)\" = '$HOSTNQN' ]"
check "every I/O controller has the healthy one's queue count (no nr_write_queues=1)" eval \
	"[ \"\$(attrs queue_count io | sort -u)\" = '$QUEUES' ]"
check "no controller has queue_size=16 (sqsize 15) or kato=7" eval \
	"! attrs sqsize | grep -qx 15 && ! attrs kato | grep -qx 7"
check "every address is exactly traddr, trsvcid and src_addr" eval \
	"! attrs address | grep -vE '^traddr=[0-9.]+,trsvcid=[0-9]+(,src_addr=[0-9.]+)?$'"
check "the kernel was never handed an option it could not parse" eval \
	"! dmesg | grep -iE 'unknown parameter|invalid parameter|missing value'"
ctrl_rows io | sed 's/^/  sysfs IOC: /'

step "control: the same fields pasted into a connect string by hand do inject"
# what a daemon that did not check the fields would write to the kernel, in one write
# (a shell's printf would flush at the newline: dd writes the whole string at once)
naive_connect() {   # NQN TRADDR TRSVCID
	printf 'nqn=%s,transport=tcp,traddr=%s,trsvcid=%s' "$1" "$2" "$3" > $E2E_RUN/naive.txt
	dd if=$E2E_RUN/naive.txt of=/dev/nvme-fabrics bs=4096 count=1 status=none
}
queues_of() { nvme_ctrl_attr "$(nvme_find_ctrl "$1" 4420)" queue_count; }
host_of() { nvme_ctrl_attr "$(nvme_find_ctrl "$1" 4420)" hostnqn; }
check "control: traddr '127.0.0.1,nr_write_queues=1' adds a queue to ${TARGETS[0]}" eval \
	"naive_connect '${TARGETS[0]}' '127.0.0.1,nr_write_queues=1' 4420 &&
	 [ \"\$(queues_of '${TARGETS[0]}')\" -gt '$QUEUES' ]"
# shellcheck disable=SC2034  # used in the eval below
EVIL_TRADDR=127.0.0.1$'\n'hostnqn=nqn.2014-08.org.example:evil-host
check "control: traddr '127.0.0.1\\nhostnqn=...' connects ${TARGETS[1]} as another host" eval \
	"naive_connect '${TARGETS[1]}' \"\$EVIL_TRADDR\" 4420 &&
	 [ \"\$(host_of '${TARGETS[1]}')\" = nqn.2014-08.org.example:evil-host ]"
for n in "${TARGETS[0]}" "${TARGETS[1]}"; do
	c=$(nvme_find_ctrl "$n" 4420) && echo 1 > "/sys/class/nvme/$c/delete_controller"
done

e2e_finish
