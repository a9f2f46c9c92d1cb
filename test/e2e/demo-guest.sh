#!/bin/bash
# demo-guest.sh BUILD_DIR - the README demo, run INSIDE the test guest by
# scripts/demo.sh: the kernel NVMe/TCP target serves 3 I/O subsystems, the DC
# emulator plays a central discovery controller (CDC) that names two of them,
# stafd and stacd do their job, then a zoning change on the CDC is followed.
# exits non-zero if the main job did not happen.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
IO=nqn.2014-08.org.example:demo
CTL_SOCK=$E2E_RUN/cdc.sock

say() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
show() {   # print a command, then run it
	printf '\033[36m# %s\033[0m\n' "$*"
	"$@" 2>&1 | sed 's/^/  /'
}
emuctl() { "$DC_EMUCTL" --socket "$CTL_SOCK" "$@"; }
entry() { printf '{"traddr":"127.0.0.1","trsvcid":"4420","subnqn":"%s"}' "$1"; }
need() {   # DESCRIPTION CMD...: wait for it; counted as a failure if it never happens
	local d=$1
	shift
	if wait_for 60 "$@"; then
		echo "  [ok] $d"
	else
		echo "  [FAILED] $d"
		FAIL=$((FAIL + 1))
	fi
}

say "The guest: Debian's $(uname -r) kernel under qemu, nvmet + nvme-tcp on loopback"
nvmet_init && e2e_start_bus && e2e_start_udev || { echo "guest setup failed"; exit 1; }
for i in 1 2 3; do
	nvmet_subsys $IO$i file:/run/demo$i.img:32M
done
nvmet_port 1 127.0.0.1 4420
for i in 1 2 3; do nvmet_link 1 $IO$i; done
echo "  kernel target (nvmet): ${IO}1, ${IO}2, ${IO}3 on 127.0.0.1:4420"

say "A central discovery controller (the project's DC emulator) on 127.0.0.1:8009"
"$DC_EMU" --address 127.0.0.1 --port 8009 --dctype cdc --control "$CTL_SOCK" \
	--die-with-parent --entry "$(entry ${IO}1)" --entry "$(entry ${IO}2)" \
	> $E2E_RUN/cdc.out 2> $E2E_RUN/cdc.log &
wait_for 10 grep -q READY $E2E_RUN/cdc.out || { echo "the emulator did not start"; exit 1; }
echo "  its discovery log names ${IO}1 and ${IO}2 (zoning: ${IO}3 is not for this host)"

say "stafd and stacd start (as their systemd units do); stafd.conf names the CDC"
e2e_conf stafd <<-EOF
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
: | e2e_conf stacd
show cat /etc/stas/stafd.conf
show "$BUILD/src/ctl/stasadm" set-symname "stas-demo-host"
e2e_daemon_start stafd && e2e_daemon_start stacd || { echo "daemons did not start"; exit 1; }

say "stafd connects the CDC and registers this host with it (DIM)"
need "the CDC is connected" dc_live 8009
need "the host is registered, with its symbolic name" sh -c \
	"'$DC_EMUCTL' --socket $CTL_SOCK list-registrations | grep -q '\"symname\":\"stas-demo-host\"'"
show "$STAFCTL" ls
echo "# nvme-dc-emuctl list-registrations   (what the CDC recorded)"
emuctl list-registrations | python3 -c 'import json, sys
for r in json.load(sys.stdin)["registrations"]:
    print("  hostnqn=%s hostid=%s symname=%s traddr=%s" % (r["hostnqn"], r["hostid"], r["symname"], r["traddr"]))'

say "stafd reads the discovery log page; stacd connects what it names"
need "${IO}1 connected" ioc_live ${IO}1 4420
need "${IO}2 connected" ioc_live ${IO}2 4420
show "$STAFCTL" adlp
show "$STACCTL" ls
show nvme list

say "Zoning change on the CDC: ${IO}3 zoned in, ${IO}1 zoned out (one AEN)"
emuctl set-entries "{\"entries\":[$(entry ${IO}2),$(entry ${IO}3)]}" > /dev/null
need "${IO}3 connected" ioc_live ${IO}3 4420
need "${IO}1 disconnected" ioc_absent ${IO}1 4420
grep -h "AEN\|num records" $E2E_RUN/stafd.log | tail -3 | sed 's/^/  stafd: /'
show "$STACCTL" ls
show nvme list

e2e_stop_all
say "Demo done: $FAIL step(s) failed"
[ "$FAIL" = 0 ]
