#!/bin/bash
# scenario 11: as a user does it.  the guest boots systemd as PID 1 with this
# build installed ("meson install", systemd-preboot.sh); the user names a DC in
# /etc/stas/stafd.conf, runs `systemctl start stafd stacd`, `stafctl ls
# --detailed`, adds a DC and runs `systemctl reload stafd`, `systemctl restart
# stacd`, `systemctl stop stafd stacd`.  checked: Type=dbus readiness, the
# bus names, stas-config.target, RuntimeDirectory and its preservation, the
# hardening settings as systemd reports them and as the running daemons live
# under them, the journal, the reload, no disconnect on restart, and the
# persistent connections left after stop (REFERENCE 3.8, 3.9, 5.12, 5.16).
# runs INSIDE the guest: run-scenario.sh BUILD_DIR scenario-systemd.sh
# e2e-vm: run-vm-systemd.sh
# e2e-preboot: systemd-preboot.sh
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
IO=nqn.2014-08.org.example:stas-sd
UDEV_RULE=/run/udev/rules.d/70-nvmf-autoconnect.rules
# what stafd.service and stacd.service declare (REFERENCE 3.8), as systemctl
# show prints it
HARDENING="LockPersonality=yes
MemoryDenyWriteExecute=yes
ProtectControlGroups=yes
ProtectHome=yes
ProtectKernelLogs=yes
ProtectKernelModules=yes
ProtectProc=invisible
RestrictRealtime=yes"

prop() { systemctl show -P "$2" "$1.service"; }   # UNIT PROPERTY
main_pid() { prop "$1" MainPID; }
bus_owner_is_main_pid() {   # UNIT BUSNAME
	local pid
	pid=$(busctl --system status "$2" | sed -n 's/^PID=//p')
	[ -n "$pid" ] && [ "$pid" = "$(main_pid "$1")" ]
}
bus_name_gone() { ! busctl --system list --no-pager | grep -q "^$1 "; }
journal_has() { journalctl -u "$1.service" --no-pager -o cat | grep -q -- "$2"; }

unit_installed() {
	systemctl show -p LoadState -p FragmentPath -p ActiveState "$1.service"
	[ "$(prop "$1" LoadState)" = loaded ] &&
		[ "$(readlink -f "$(prop "$1" FragmentPath)")" = "/usr/lib/systemd/system/$1.service" ] &&
		[ "$(prop "$1" ActiveState)" = inactive ]
}

step "the system: systemd as PID 1, this build installed"
check "PID 1 is systemd" test "$(cat /proc/1/comm)" = systemd
check "the boot finished (is-system-running: running)" \
	test "$(systemctl is-system-running)" = running
for d in stafd stacd; do
	check "$d.service is installed: loaded from /usr/lib/systemd/system, inactive" \
		unit_installed $d
	check "$d.service runs the installed /usr/sbin/$d --syslog" sh -c \
		"systemctl show -P ExecStart $d.service | grep -q 'argv\[\]=/usr/sbin/$d --syslog'"
done
ctls_installed() {
	[ "$(command -v stafctl)" = /usr/bin/stafctl ] && [ "$(command -v stacctl)" = /usr/bin/stacctl ]
}
check "stafctl and stacctl on the PATH are the installed ones" ctls_installed

step "target: DC 127.0.0.1:8009 (${IO}1..3), DC 127.0.0.1:8010 (${IO}4)"
check "nvmet, nvmet-tcp, nvme-tcp loaded; configfs mounted by systemd" nvmet_init
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 8010
for i in 1 2 3 4; do
	nvmet_subsys $IO$i file:/run/sd$i.img:8M
done
for i in 1 2 3; do nvmet_link 1 $IO$i; done
nvmet_link 2 ${IO}4
check "target listens on 8009 and 8010" wait_for 5 sh -c \
	'ss -ltnH | grep -q 127.0.0.1:8009 && ss -ltnH | grep -q 127.0.0.1:8010'

step "the user's configuration"
# the host has a host NQN but lost its host ID: stas-config@hostid.service
# (pulled in through stas-config.target) makes a new one
rm -f /etc/nvme/hostid
sed -i '/^\[Controllers\]/a controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009' \
	/etc/stas/stafd.conf
check "/etc/stas/stafd.conf (the installed file) names the DC" \
	grep -q '^controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009$' /etc/stas/stafd.conf

step "systemctl start stafd stacd"
check "systemctl start stafd stacd" systemctl start stafd.service stacd.service
# no wait: Type=dbus means start returned once the names were owned
check "Type=dbus: when start returns, org.nvmexpress.staf is owned by stafd's MainPID" \
	bus_owner_is_main_pid stafd org.nvmexpress.staf
check "Type=dbus: when start returns, org.nvmexpress.stac is owned by stacd's MainPID" \
	bus_owner_is_main_pid stacd org.nvmexpress.stac
check "stafd and stacd are active" systemctl is-active -q stafd.service stacd.service
check "stas-config.target came up with them" systemctl is-active -q stas-config.target
hostid_made() {
	grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' /etc/nvme/hostid &&
		[ "$(systemctl show -P Result stas-config@hostid.service)" = success ]
}
check "stas-config@hostid.service made /etc/nvme/hostid (a UUID)" hostid_made
check "stas-config@hostnqn.service left the existing /etc/nvme/hostnqn alone (condition)" \
	test "$(systemctl show -P ConditionResult stas-config@hostnqn.service)" = no
for d in stafd stacd; do
	mode=$(prop $d RuntimeDirectoryMode)
	check "RuntimeDirectory: /run/$d exists with the unit's mode $mode" \
		test "$(stat -c %a /run/$d)" = "$(printf %o $((8#$mode)))"
	check "$d runs with RUNTIME_DIRECTORY=/run/$d" \
		grep -qz "^RUNTIME_DIRECTORY=/run/$d$" "/proc/$(main_pid $d)/environ"
done
check "stafd shadows nvme-cli's autoconnect rule while it runs ($UDEV_RULE)" test -f $UDEV_RULE

step "discovery and connections"
check "stafd's DC to 127.0.0.1:8009 is live" wait_for 30 dc_live 8009
for i in 1 2 3; do
	check "stacd connected ${IO}$i" wait_for 60 ioc_live $IO$i 8009
done
check "exactly 3 I/O controllers" ioc_count 3
stafctl ls --detailed > $E2E_RUN/stafctl-ls.txt 2>&1
echo "  \$ stafctl ls --detailed"
sed 's/^/    /' $E2E_RUN/stafctl-ls.txt
DC_DEV=$(for c in /sys/class/nvme/nvme*; do
	[ "$(cat "$c/cntrltype")" = discovery ] && basename "$c"
done | head -1)
echo "  sysfs DC: $DC_DEV $(ctrl_rows discovery)"
check "stafctl ls --detailed shows the DC at 127.0.0.1:8009 as $DC_DEV" sh -c \
	"grep -q \"'trsvcid': '8009'\" $E2E_RUN/stafctl-ls.txt &&
	 grep -q \"'device': '$DC_DEV'\" $E2E_RUN/stafctl-ls.txt"
stacctl ls > $E2E_RUN/stacctl-ls.txt 2>&1
for i in 1 2 3; do
	check "stacctl ls lists ${IO}$i" grep -q "$IO$i" $E2E_RUN/stacctl-ls.txt
done
check "journalctl -u stafd: stafd's own lines, the DC connected" \
	journal_has stafd "Connection established!"
check "journalctl -u stacd: stacd's own lines, the I/O controllers connected" \
	journal_has stacd "Connection established!"
journal_fields() {
	journalctl -u stacd.service --no-pager -o verbose > $E2E_RUN/stacd-verbose.txt &&
		grep -q "^    STAS_TID=(tcp, 127.0.0.1, 8009, ${IO}1)$" $E2E_RUN/stacd-verbose.txt &&
		grep -q "^    NVME_DEVICE=nvme[0-9]*$" $E2E_RUN/stacd-verbose.txt
}
check "the journal entries carry STAS_TID= and NVME_DEVICE= (B10)" journal_fields

step "hardening, as systemd reports it and as the daemons live under it"
for d in stafd stacd; do
	pid=$(main_pid $d)
	# shellcheck disable=SC2046  # one -p per property
	check "$d: systemctl show reports the unit's hardening" test \
		"$(systemctl show $(echo "$HARDENING" | sed 's/=.*//; s/^/-p /') $d.service | sort)" = \
		"$HARDENING"
	check "$d: seccomp filters are on (MemoryDenyWriteExecute, RestrictRealtime, LockPersonality)" \
		grep -qP '^Seccomp:\t2$' "/proc/$pid/status"
	bnd=$(sed -n 's/^CapBnd:\t//p' "/proc/$pid/status")
	check "$d: no CAP_SYS_MODULE, no CAP_SYSLOG (ProtectKernelModules, ProtectKernelLogs)" \
		test $(((0x$bnd >> 16 & 1) + (0x$bnd >> 34 & 1))) = 0
	check "$d: its /proc hides other users' processes (ProtectProc=invisible)" sh -c \
		"nsenter -t $pid -m findmnt -no OPTIONS /proc | grep -q hidepid=invisible"
	check "$d: /root is an inaccessible empty directory (ProtectHome)" \
		test "$(nsenter -t "$pid" -m stat -c %a /root)" = 0
	check "$d: /sys/fs/cgroup is read-only (ProtectControlGroups)" sh -c \
		"nsenter -t $pid -m findmnt -no OPTIONS /sys/fs/cgroup | grep -q '^ro'"
done

echo "  (not in the units, so systemd's default: $(systemctl show -p ProtectSystem stafd.service))"

step "reload: a new controller in stafd.conf, systemctl reload stafd"
PID0=$(main_pid stafd)
sed -i '/^\[Controllers\]/a controller=transport=tcp;traddr=127.0.0.1;trsvcid=8010' \
	/etc/stas/stafd.conf
check "systemctl reload stafd" systemctl reload stafd.service
check "stafd kept its MainPID and is active" sh -c \
	"[ \"\$(systemctl show -P MainPID stafd.service)\" = $PID0 ] && systemctl is-active -q stafd"
check "stafd connected the new DC 127.0.0.1:8010" wait_for 30 dc_live 8010
check "stafctl ls lists the new DC" wait_for 10 sh -c "stafctl ls | grep -q \"'trsvcid': '8010'\""
check "stacd connected ${IO}4 from the new DC's log page" wait_for 60 ioc_live ${IO}4 8010
check "journalctl -u stafd shows the reload (stafd's line and systemd's)" sh -c \
	"journalctl -u stafd.service --no-pager -o cat | grep -q 'Reloading configuration' &&
	 journalctl -u stafd.service --no-pager -o cat | grep -q '^Reloaded '"

# one line per controller: name, subsysnqn, cntlid, state (bash builtins
# only: a fork costs milliseconds under TCG, the poller must be dense)
snapshot() {
	local c q i st out=""
	for c in /sys/class/nvme/nvme*; do
		{ read -r q < "$c/subsysnqn" && read -r i < "$c/cntlid" && read -r st < "$c/state"; } \
			2>/dev/null || continue
		out+="${c##*/} $q $i $st;"
	done
	echo "$out"
}
all_live() { [ "$(cat /sys/class/nvme/nvme*/state | grep -c '^live$')" = 6 ] && ioc_count 4; }
check "2 DCs and 4 I/O controllers, all live" wait_for 10 all_live
REF=$(snapshot)
echo "  reference: $REF"
POLL=$E2E_RUN/poll.txt
(
	while :; do
		read -r u _ < /proc/uptime
		echo "$u $(snapshot)"
		sleep 0.05
	done
) > $POLL 2> $POLL.err &   # stderr apart: a sample cut by the final kill writes an error there
POLLER=$!

step "systemctl restart stacd: the connections stay"
PID0=$(main_pid stacd)
check "/run/stacd holds stacd's last-known state" test -s /run/stacd/last-known-config.json
check "systemctl restart stacd" systemctl restart stacd.service
check "a new stacd process (MainPID changed), active, owning org.nvmexpress.stac" sh -c \
	"[ \"\$(systemctl show -P MainPID stacd.service)\" != $PID0 ] &&
	 systemctl is-active -q stacd.service"
check "... and org.nvmexpress.stac is owned by it" bus_owner_is_main_pid stacd org.nvmexpress.stac
check "after the restart stacctl ls lists the 4 I/O controllers" wait_for 30 sh -c \
	"[ \$(stacctl ls | grep -c \"'subsysnqn': '$IO\") = 4 ]"
sleep 3   # stacd's reconciliation runs now: a disconnect would happen here

step "systemctl stop stafd stacd: persistent connections stay"
check "systemctl stop stafd stacd" systemctl stop stafd.service stacd.service
both_inactive() {
	[ "$(systemctl is-active stafd.service)" = inactive ] &&
		[ "$(systemctl is-active stacd.service)" = inactive ]
}
check "stafd and stacd are inactive" both_inactive
check "their bus names are gone" sh -c \
	"! busctl --system list --no-pager | grep -qE '^org\.nvmexpress\.sta[fc] '"
check "stafd removed its udev rule override" test ! -e $UDEV_RULE
check "/run/stafd and /run/stacd stay after the stop (RuntimeDirectoryPreserve=yes)" \
	test -s /run/stafd/last-known-config.json -a -s /run/stacd/last-known-config.json
stopped_twice() { [ "$(journalctl -u stacd.service --no-pager -o cat | grep -c '^Stopped ')" = 2 ]; }
check "journalctl -u stacd shows the restart and the stop" wait_for 10 stopped_twice
sleep 1
kill $POLLER
wait $POLLER 2>/dev/null

step "the poller's view ($(wc -l < $POLL) samples)"
cut -d' ' -f2- $POLL | uniq -c | sed 's/^/  /'
poll_stable() { [ "$(cut -d' ' -f2- $POLL | sort -u)" = "$REF" ]; }
check "over $(wc -l < $POLL) samples through restart and stop, no controller changed" poll_stable
for i in 1 2 3; do
	check "${IO}$i is still connected" ioc_live $IO$i 8009
done
check "${IO}4 is still connected" ioc_live ${IO}4 8010
both_dcs_live() { dc_live 8009 && dc_live 8010; }
check "both DCs stay (persistent-connections defaults to true)" both_dcs_live

for d in stafd stacd; do
	journalctl -u $d.service --no-pager -o short-monotonic > $E2E_RUN/$d.log 2>&1
done
e2e_finish
