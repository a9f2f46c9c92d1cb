#!/bin/bash
# scenario 4: stafd reload and restart, stacd reload and restart, both
# restarted: no I/O controller is ever disconnected (a background poller
# watches sysfs the whole time: same controllers, same controller IDs, always
# live), the persistent DC stays, and a zoning change after all that is still
# followed.  runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
IO=nqn.2014-08.org.example:stas-rs

step "kernel, bus, udev"
e2e_boot

step "target: 127.0.0.1:8009 with ${IO}1..3"
nvmet_port 1 127.0.0.1 8009
for i in 1 2 3 4; do
	nvmet_subsys $IO$i file:/run/rs$i.img:8M
	[ $i = 4 ] || nvmet_link 1 $IO$i
done

e2e_conf stafd <<-EOF
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
for i in 1 2 3; do
	check "stacd connected ${IO}$i" wait_for 60 ioc_live $IO$i 8009
done

# one line per controller: name, subsysnqn, cntlid, state (bash builtins
# only: a fork costs milliseconds under TCG, and the poller must be dense)
snapshot() {
	local c q i st out=""
	for c in /sys/class/nvme/nvme*; do
		{ read -r q < $c/subsysnqn && read -r i < $c/cntlid && read -r st < $c/state; } 2>/dev/null ||
			continue
		out+="${c##*/} $q $i $st;"
	done
	echo "$out"
}
REF=$(snapshot)
echo "  reference: $REF"
check "reference: 1 DC + 3 IOCs, all live" sh -c \
	"[ \$(echo '$REF' | tr ';' '\n' | grep -c ' live$') = 4 ]"
POLL=$E2E_RUN/poll.txt
(
	while :; do
		read -r u _ < /proc/uptime
		echo "$u $(snapshot)"
		sleep 0.05
	done
) > $POLL 2> $POLL.err &   # stderr apart: a sample cut by the final kill writes an error there
POLLER=$!

settle() {   # both daemons answer and stacd lists the 3 IOCs
	wait_for 30 sh -c "'$STACCTL' ls | grep -c '$IO' | grep -qx 3"
}
step "stafd reload (SIGHUP)"
e2e_daemon_reload stafd
check "after stafd reload, stacd lists 3 IOCs" settle
step "stafd restart (stop, start)"
check "stafd stopped cleanly" e2e_daemon_stop stafd
sleep 3   # stacd without stafd (B2: keeps what it knows)
check "stafd started again" e2e_daemon_start stafd
check "after stafd restart, stacd lists 3 IOCs" settle
step "stacd reload (SIGHUP)"
e2e_daemon_reload stacd
check "after stacd reload, stacd lists 3 IOCs" settle
step "stacd restart"
check "stacd stopped cleanly" e2e_daemon_stop stacd
sleep 1
check "stacd started again" e2e_daemon_start stacd
check "after stacd restart, stacd lists 3 IOCs" settle
step "both restarted (stacd first down, stafd first up)"
check "stacd stopped" e2e_daemon_stop stacd
check "stafd stopped" e2e_daemon_stop stafd
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "after both restarted, stacd lists 3 IOCs" settle
sleep 3
kill $POLLER
wait $POLLER 2>/dev/null

step "the poller's view ($(wc -l < $POLL) samples)"
cut -d' ' -f2- $POLL | uniq -c | sed 's/^/  /'
poll_stable() { [ "$(cut -d' ' -f2- $POLL | sort -u)" = "$REF" ]; }
check "over $(wc -l < $POLL) samples, sysfs never changed (no disconnect, no reconnect)" poll_stable

step "a zoning change is still followed"
nvmet_link 1 ${IO}4
check "${IO}4 zoned in -> connected" wait_for 30 ioc_live ${IO}4 8009
nvmet_unlink 1 ${IO}1
check "${IO}1 zoned out -> disconnected" wait_for 30 ioc_absent ${IO}1 8009

e2e_finish
