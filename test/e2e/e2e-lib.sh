# shellcheck shell=bash
# e2e-lib.sh - helpers for the e2e scenarios, sourced INSIDE the test guest
# (run-vm.sh).  the guest runs the host's binaries over a read-only 9p root
# with a tmpfs overlay: /etc and /run are the guest's own.
#
# the daemons run as the systemd units start them: the same program and
# options, RUNTIME_DIRECTORY/CACHE_DIRECTORY set, the config in /etc/stas,
# under a system dbus-daemon (with the project's policy files) and
# systemd-udevd.  one difference: no --syslog (no journald in this guest), so
# their output goes to $E2E_RUN/<daemon>.log and is printed on failure.
E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC=$(cd "$E2E_HERE/../.." && pwd)
# shellcheck source=nvmet-lib.sh
. "$E2E_HERE/nvmet-lib.sh"

BUILD=${BUILD:?BUILD (the meson build directory) must be set}
STAFD=$BUILD/src/stafd/stafd
STACD=$BUILD/src/stacd/stacd
# shellcheck disable=SC2034  # used by the scenarios that source this file
STAFCTL=$BUILD/src/ctl/stafctl
# shellcheck disable=SC2034
STACCTL=$BUILD/src/ctl/stacctl
# shellcheck disable=SC2034
DC_EMU=$BUILD/test/dc-emulator/nvme-dc-emu
# shellcheck disable=SC2034
DC_EMUCTL=$BUILD/test/dc-emulator/nvme-dc-emuctl
E2E_RUN=/run/e2e
mkdir -p $E2E_RUN
PASS=0
FAIL=0
T0=$(cut -d' ' -f1 /proc/uptime)
declare -A DAEMON_PID

up() { cut -d' ' -f1 /proc/uptime; }
step() { echo "## [$(up)] $*"; }
check() {   # DESCRIPTION CMD...
	local d=$1
	shift
	if "$@" > $E2E_RUN/check.out 2>&1; then
		PASS=$((PASS + 1))
		echo "ok   - $d"
	else
		FAIL=$((FAIL + 1))
		echo "FAIL - $d"
		sed 's/^/       /' $E2E_RUN/check.out | tail -20
	fi
}
# the end of every scenario: the logs when something failed, the verdict
e2e_finish() {
	e2e_stop_all
	if [ "$FAIL" != 0 ] || [ "${E2E_VERBOSE:-0}" = 1 ]; then
		local f
		for f in $E2E_RUN/*.log; do
			[ -f "$f" ] || continue
			echo "---- tail of $f"
			tail -60 "$f"
		done
		dmesg | grep -i nvme | tail -30 | sed 's/^/  dmesg: /'
	fi
	echo "e2e: $(awk -v a="$(up)" -v b="$T0" 'BEGIN { printf "%.1f", a - b }') s in the guest"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ] && [ "$PASS" -gt 0 ]
}

# the system bus with the project's D-Bus policy, as installed
e2e_start_bus() {
	mkdir -p /run/dbus /etc/dbus-1/system.d
	cp "$E2E_SRC"/etc/dbus-1/system.d/*.conf /etc/dbus-1/system.d/
	dbus-daemon --system --fork --print-pid > $E2E_RUN/dbus.pid || return 1
	wait_for 10 test -S /run/dbus/system_bus_socket
}
# systemd-udevd, with nvme-cli's autoconnect rule masked (it would run
# systemctl on every discovery AEN, NOTES pitfall 13)
e2e_start_udev() {
	[ -x /lib/systemd/systemd-udevd ] || { echo "no systemd-udevd: run setup-host.sh"; return 1; }
	mkdir -p /etc/udev/rules.d
	ln -sf /dev/null /etc/udev/rules.d/70-nvmf-autoconnect.rules
	/lib/systemd/systemd-udevd --daemon || return 1
	wait_for 10 udevadm control --ping
}
# modules, bus and udev: what the units' Wants/After give the daemons
e2e_boot() {
	check "nvmet, nvmet-tcp, nvme-tcp loaded; /dev/nvme-fabrics present" nvmet_init
	check "system dbus-daemon running with the project's policy" e2e_start_bus
	check "systemd-udevd running (nvme-cli autoconnect rule masked)" e2e_start_udev
}

bus_has() { gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
	--method org.freedesktop.DBus.NameHasOwner "$1" | grep -q true; }
# e2e_daemon_start stafd|stacd: ExecStart of the unit (minus --syslog),
# returns once the bus name is owned (Type=dbus)
e2e_daemon_start() {
	local d=$1 exe name
	case $d in
	stafd) exe=$STAFD name=org.nvmexpress.staf ;;
	stacd) exe=$STACD name=org.nvmexpress.stac ;;
	*) return 2 ;;
	esac
	mkdir -p /run/$d /var/cache/$d
	echo "== $(up) start" >> $E2E_RUN/$d.log
	RUNTIME_DIRECTORY=/run/$d CACHE_DIRECTORY=/var/cache/$d "$exe" >> $E2E_RUN/$d.log 2>&1 &
	DAEMON_PID[$d]=$!
	wait_for 30 bus_has $name
}
# ExecStop: SIGTERM, wait for the exit
e2e_daemon_stop() {
	local pid=${DAEMON_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	DAEMON_PID[$1]=
	echo "== $(up) stopped rc=$rc" >> $E2E_RUN/$1.log
	[ $rc = 0 ]
}
# ExecReload: SIGHUP
e2e_daemon_reload() { kill -HUP "${DAEMON_PID[$1]}"; }
e2e_stop_all() {
	local d
	for d in stacd stafd; do [ -n "${DAEMON_PID[$d]:-}" ] && e2e_daemon_stop $d; done
	return 0
}

# /etc/stas/<daemon>.conf from stdin
e2e_conf() { mkdir -p /etc/stas; cat > /etc/stas/$1.conf; }

# controllers seen in sysfs: "subsysnqn traddr trsvcid state" per line
ctrl_rows() {   # io|discovery
	local c a
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat $c/cntrltype 2>/dev/null)" = "$1" ] || continue
		a=$(cat $c/address)
		a=${a#traddr=}
		echo "$(cat $c/subsysnqn) ${a%%,*} $(echo "$a" | sed -n 's/.*trsvcid=\([0-9]*\).*/\1/p') $(cat $c/state)"
	done | sort
}
ioc_nqns() { ctrl_rows io | awk '{print $1}' | sort -u; }
ioc_live() {   # NQN TRSVCID: a live I/O controller to it exists
	local c
	c=$(nvme_find_ctrl "$1" "$2") && [ "$(nvme_ctrl_attr "$c" state)" = live ] &&
		[ "$(nvme_ctrl_attr "$c" cntrltype)" = io ]
}
ioc_absent() { ! nvme_find_ctrl "$1" "$2" > /dev/null; }
# the number of I/O controllers equals N
ioc_count() { [ "$(ctrl_rows io | wc -l)" = "$1" ]; }
dc_live() {   # TRSVCID [TRADDR]: a live discovery controller to it exists
	ctrl_rows discovery | awk -v s="$1" -v a="${2:-127.0.0.1}" \
		'$2 == a && $3 == s && $4 == "live" { f = 1 } END { exit !f }'
}
