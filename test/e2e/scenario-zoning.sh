#!/bin/bash
# scenario 2: zoning changes on the kernel target's DC are followed, one
# after the other (B1: every change needs a fresh discovery-log-change AEN,
# which nvmet sends only after a read with RAE=0; the log has 5+ records, the
# size where libnvme 1.3 leaves RAE set), and stacd disconnects per
# disconnect-scope.  runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
Z=nqn.2014-08.org.example:stas-zone

step "kernel, bus, udev"
e2e_boot

step "target: DC port 127.0.0.1:8009 with ${Z}1..4 (5 records), ${Z}5 unlinked; 4420 for all"
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 4420
for i in 1 2 3 4 5; do
	nvmet_subsys $Z$i file:/run/z$i.img:8M
	nvmet_link 2 $Z$i
	[ $i = 5 ] || nvmet_link 1 $Z$i
done
check "target listens on 8009 and 4420" wait_for 5 sh -c \
	'ss -ltnH | grep -q 127.0.0.1:8009 && ss -ltnH | grep -q 127.0.0.1:4420'

step "a connection made by hand (nvme connect), not by stas: ${Z}5 at 4420"
nvme connect -t tcp -a 127.0.0.1 -s 4420 -n ${Z}5 > /dev/null
check "hand-made ${Z}5 at 4420 is live" wait_for 10 ioc_live ${Z}5 4420

step "stafd and stacd (disconnect-scope: default, only-stas-connections)"
e2e_conf stafd <<-EOF
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "DC live" wait_for 30 dc_live 8009
for i in 1 2 3 4; do
	check "stacd connected ${Z}$i" wait_for 60 ioc_live $Z$i 8009
done

# zone CHANGE: one configfs change, then wait for its effect before the next,
# so that each one needs its own AEN
zone_link() {
	nvmet_link 1 $Z$1
	check "change $2: ${Z}$1 zoned in -> stacd connects it" wait_for 30 ioc_live $Z$1 8009
}
zone_unlink() {
	nvmet_unlink 1 $Z$1
	check "change $2: ${Z}$1 zoned out -> stacd disconnects it" wait_for 30 ioc_absent $Z$1 8009
}
step "three rounds of zoning changes, each followed"
n=0
for r in "1 5" "2 1" "5 2"; do
	set -- $r
	n=$((n + 1))
	zone_unlink $1 $((2 * n - 1))
	zone_link $2 $((2 * n))
	ctrl_rows io | sed 's/^/  sysfs IOC: /'
done
all_live() { local i; for i in "$@"; do ioc_live $Z$i 8009 || return 1; done; }
check "after the rounds: ${Z}1..4 connected at 8009, ${Z}5 not" \
	eval 'all_live 1 2 3 4 && ioc_absent ${Z}5 8009' 
check "only-stas-connections: the hand-made ${Z}5 at 4420 was left alone" ioc_live ${Z}5 4420
check "stafd read the log with 5 records" grep -q "num records=5" $E2E_RUN/stafd.log

step "disconnect-scope=no-disconnect (reload)"
printf '[I/O controller connection management]\ndisconnect-scope=no-disconnect\n' | e2e_conf stacd
e2e_daemon_reload stacd
sleep 2
nvmet_unlink 1 ${Z}4
sleep 6
check "no-disconnect: ${Z}4 zoned out, its controller is kept" nvme_find_ctrl ${Z}4 8009

step "disconnect-scope=all-connections-matching-disconnect-trtypes (reload)"
printf '[Global]\ntron=true\n[I/O controller connection management]\ndisconnect-scope=all-connections-matching-disconnect-trtypes\ndisconnect-trtypes=tcp\n' |
	e2e_conf stacd
e2e_daemon_reload stacd
check "audit: the hand-made ${Z}5 at 4420 (in no log page) is disconnected" \
	wait_for 30 ioc_absent ${Z}5 4420
check "audit: the zoned-out ${Z}4 is disconnected" wait_for 30 ioc_absent ${Z}4 8009
check "audit: ${Z}1..3 (wanted) stay" all_live 1 2 3

e2e_finish
