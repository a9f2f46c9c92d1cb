#!/bin/bash
# issue 7 (faults): kernel connect failures.  the DC emulator's log names
# two healthy subsystems of the kernel target and three that cannot be
# connected: one whose nvmet subsystem does not allow this host
# (allowed_hosts, the kernel's Connect is refused), one whose NQN the
# target does not have (wrong NQN), and one on a port where nothing listens.
# stacd connects the healthy ones and is not held up by the others, logs
# each failure naming the controller, retries on its timer, stays
# responsive on D-Bus (e2e-bus-latency), and once the target is fixed (the
# host allowed, the subsystem created) connects both within its retry
# interval, each exactly once.  runs INSIDE the guest: run-vm.sh
# this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=faults-lib.sh
. "$(dirname "$0")/faults-lib.sh"
P=nqn.2014-08.org.example:stas-cr
OK1=${P}-ok1
OK2=${P}-ok2
DENIED=${P}-denied
MISSING=${P}-missing
CLOSED=${P}-closed
LIMIT_MS=100

step "kernel, bus, udev"
e2e_boot

step "target on 127.0.0.1:4420: $OK1, $OK2, $DENIED (no host allowed); no $MISSING"
nvmet_port 2 127.0.0.1 4420
for n in $OK1 $OK2 $DENIED; do
	nvmet_subsys "$n" "file:/run/${n##*-}.img:8M"
	nvmet_link 2 "$n"
done
echo 0 > "$CFG/subsystems/$DENIED/attr_allow_any_host"
check "the DC emulator (CDC on 8009) names all five" ef_emu_start cdc 8009 --dctype cdc \
	--entry "$(ef_entry "$OK1")" --entry "$(ef_entry "$DENIED")" \
	--entry "$(ef_entry "$MISSING")" --entry "$(ef_entry "$CLOSED" 127.0.0.1 4421)" \
	--entry "$(ef_entry "$OK2")"

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
check "stacd started" e2e_daemon_start stacd
check "the probes get a first answer from stafd, stacd and dbus-daemon" ef_probes_start stafd stacd
T0=$(up)
check "$OK1 connected" wait_for 60 ioc_live "$OK1" 4420
check "$OK2 connected (after the failing entries in the same log)" wait_for 60 ioc_live "$OK2" 4420
since() { awk -v a="$(up)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }   # UPTIME: seconds since
echo "  the healthy subsystems connected $(since "$T0") s after the probes started"
udevadm monitor --kernel --subsystem-match=nvme > $E2E_RUN/uevents.txt 2>&1 &
UDEVMON=$!
REF=$(ef_snapshot | tr ';' '\n' | grep ' io ' | sort)

step "the failures: refused by the kernel target, logged by stacd, retried"
failed_twice() {   # NQN: the second failed attempt is logged as an error naming it
	grep "Failed to connect to controller" $E2E_RUN/stacd.log | grep -q -- "$1"
}
attempts() { grep "$1" $E2E_RUN/stacd.log | grep -c "connect attempt [0-9]* failed"; }
check "nvmet refused the host on $DENIED (not in allowed_hosts)" wait_for 30 sh -c \
	"dmesg | grep 'nvmet' | grep -q 'for subsystem $DENIED not allowed'"
check "nvmet has no subsystem $MISSING" wait_for 30 sh -c \
	"dmesg | grep 'nvmet' | grep -q 'invalid subsystem $MISSING'"
for n in $DENIED $MISSING $CLOSED; do
	check "stacd logs the failed connect naming $n, after its retry" wait_for 30 failed_twice "$n"
done
grep "Failed to connect to controller" $E2E_RUN/stacd.log | sed 's/^/  stacd: /' | cut -c1-200
check "no controller for the failing entries" eval \
	"ioc_absent $DENIED 4420 && ioc_absent $MISSING 4420 && ioc_absent $CLOSED 4421"
nd=$(attempts "$DENIED")
nm=$(attempts "$MISSING")
echo "  attempts so far: $DENIED $nd, $MISSING $nm"

step "the target is fixed: the host allowed on $DENIED, $MISSING created"
HOSTNQN=$(nvme_ctrl_attr "$(nvme_find_ctrl "$OK1" 4420)" hostnqn)
mkdir "$CFG/hosts/$HOSTNQN"
ln -s "$CFG/hosts/$HOSTNQN" "$CFG/subsystems/$DENIED/allowed_hosts/$HOSTNQN"
nvmet_subsys "$MISSING" file:/run/missing.img:8M
nvmet_link 2 "$MISSING"
T1=$(up)
# the retry timer runs 60 s after the second failure (REFERENCE 5.11)
check "$DENIED connected at a retry" wait_for 75 ioc_live "$DENIED" 4420
check "$MISSING connected at a retry" wait_for 75 ioc_live "$MISSING" 4420
echo "  connected $(since "$T1") s after the fix"
check "4 I/O controllers: each subsystem exactly once, nothing for the closed port" ioc_count 4
kill $UDEVMON
wait $UDEVMON 2>/dev/null

step "the healthy controllers and the bus through all of it"
ioc_events() {   # the uevents of the two healthy controllers
	local dev
	for dev in $(echo "$REF" | cut -d' ' -f1); do
		grep "/$dev (nvme)" $E2E_RUN/uevents.txt
	done
	return 0
}
check "$OK1 and $OK2 had not one uevent (no reset, no reconnect)" test -z "$(ioc_events)"
ef_probes_stop > $E2E_RUN/lat.show
sed "s/^/  /" $E2E_RUN/lat.show
ef_keep $E2E_RUN/lat-*.txt
check "every D-Bus call to stacd was answered, the daemon's share each below $LIMIT_MS ms" \
	ef_all_answered_below stacd $LIMIT_MS
check "every D-Bus call to stafd was answered, the daemon's share each below $LIMIT_MS ms" \
	ef_all_answered_below stafd $LIMIT_MS

e2e_finish
