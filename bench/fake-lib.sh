# shellcheck shell=bash
# bench/fake-lib.sh - the fake backend for the bench scripts (sourced): the
# test builds stafd-test / stacd-test (the daemons linked with the fake kernel
# seam instead of /dev/nvme-fabrics and sysfs), a fake-kerneld, and a private
# dbus-daemon of type system with the project's policy files, as the bus and
# integration tiers run them (test/common/daemon-fixture.c).  root only (the
# daemons refuse to run otherwise); nothing touches the host's kernel or bus.
#
#   fake_env_start BUILD      a fresh environment (temporary directory, bus, fake kernel)
#   fk OP [JSON]              one fake-kernelctl request
#   fake_daemon_start NAME [WRAPPER...]   stafd|stacd with $FAKE_DIR/NAME.conf,
#                             returns once its bus name is owned; FAKE_PID[NAME]
#   fake_daemon_stop NAME     SIGTERM and wait
#   fake_env_stop             everything down, the directory removed
#
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FAKE_DIR=
declare -A FAKE_PID

fake_env_start() {
	local build=$1 i
	[ "$(id -u)" = 0 ] || bench_die "the daemons need root"
	FAKE_STAFD=$build/src/stafd/stafd-test
	FAKE_STACD=$build/src/stacd/stacd-test
	FAKE_KERNELD=$build/test/fake-kernel/fake-kerneld
	FAKE_KERNELCTL=$build/test/fake-kernel/fake-kernelctl
	STAFCTL=$build/src/ctl/stafctl
	STACCTL=$build/src/ctl/stacctl
	for i in "$FAKE_STAFD" "$FAKE_STACD" "$FAKE_KERNELD" "$FAKE_KERNELCTL" "$STAFCTL" "$STACCTL"; do
		[ -x "$i" ] || bench_die "$i not built (ninja -C $build)"
	done
	command -v dbus-daemon > /dev/null || bench_die "no dbus-daemon (scripts/install-deps.sh)"
	FAKE_DIR=$(mktemp -d /tmp/stas-bench-XXXXXX)
	chmod 755 "$FAKE_DIR"
	mkdir -p "$FAKE_DIR/run-stafd" "$FAKE_DIR/run-stacd" "$FAKE_DIR/nbft"
	printf '[Host]\nnqn=nqn.2014-08.org.nvmexpress:uuid:11111111-2222-3333-4444-555555555555\nid=11111111-2222-3333-4444-555555555555\n' \
		> "$FAKE_DIR/sys.conf"
	printf '#!/bin/sh\nexit 0\n' > "$FAKE_DIR/systemctl"
	chmod 755 "$FAKE_DIR/systemctl"
	cat > "$FAKE_DIR/bus.conf" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <type>system</type>
		  <listen>unix:path=$FAKE_DIR/bus.sock</listen>
		  <auth>EXTERNAL</auth>
		  <policy context="default">
		    <allow user="*"/>
		    <deny own="*"/>
		    <deny send_type="method_call"/>
		    <allow send_type="signal"/>
		    <allow send_requested_reply="true" send_type="method_return"/>
		    <allow send_requested_reply="true" send_type="error"/>
		    <allow receive_type="method_call"/>
		    <allow receive_type="method_return"/>
		    <allow receive_type="error"/>
		    <allow receive_type="signal"/>
		    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
		    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
		  </policy>
		  <includedir>$BENCH_SRC/etc/dbus-1/system.d</includedir>
		</busconfig>
	EOF
	dbus-daemon --config-file="$FAKE_DIR/bus.conf" --nofork --nopidfile \
		> "$FAKE_DIR/dbus-daemon.log" 2>&1 &
	FAKE_BUS_PID=$!
	"$FAKE_KERNELD" --socket "$FAKE_DIR/kernel.sock" > "$FAKE_DIR/fake-kerneld.log" 2>&1 &
	FAKE_KERNEL_PID=$!
	trap fake_env_stop EXIT
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$FAKE_DIR/bus.sock
	export STAS_FAKE_KERNEL=$FAKE_DIR/kernel.sock
	export STAS_TEST_SYSCONF=$FAKE_DIR/sys.conf
	export STAS_TEST_NBFT_DIR=$FAKE_DIR/nbft
	export STAS_TEST_UDEV_RULES_DIR=$FAKE_DIR/rules.d
	export STAS_TEST_SYSTEMCTL=$FAKE_DIR/systemctl
	unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID JOURNAL_STREAM INVOCATION_ID DBUS_SESSION_BUS_ADDRESS
	"$FAKE_KERNELCTL" --wait 10 ping > /dev/null || bench_die "fake-kerneld did not start"
	for i in $(seq 100); do
		[ -S "$FAKE_DIR/bus.sock" ] && return 0
		sleep 0.05
	done
	bench_die "the private dbus-daemon did not start"
}

fk() { "$FAKE_KERNELCTL" --wait 10 "$@"; }

# bus_has NAME: the name has an owner on the private bus
fake_bus_has() {
	gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
		--method org.freedesktop.DBus.NameHasOwner "$1" 2> /dev/null | grep -q true
}

# fake_daemon_start stafd|stacd [WRAPPER ARGS...]: the test build with -f
# $FAKE_DIR/<name>.conf (written by the caller), under WRAPPER if given
# (valgrind ...); returns once it owns its bus name (timeout: FAKE_START_S)
fake_daemon_start() {
	local d=$1 exe name run i
	shift
	case $d in
	stafd) exe=$FAKE_STAFD name=org.nvmexpress.staf ;;
	stacd) exe=$FAKE_STACD name=org.nvmexpress.stac ;;
	*) bench_die "fake_daemon_start: $d" ;;
	esac
	run=$FAKE_DIR/run-$d
	[ -f "$FAKE_DIR/$d.conf" ] || : > "$FAKE_DIR/$d.conf"
	RUNTIME_DIRECTORY=$run "$@" "$exe" -f "$FAKE_DIR/$d.conf" >> "$FAKE_DIR/$d.log" 2>&1 &
	FAKE_PID[$d]=$!
	for i in $(seq $((${FAKE_START_S:-30} * 20))); do
		fake_bus_has $name && return 0
		kill -0 "${FAKE_PID[$d]}" 2> /dev/null || bench_die "$d exited: $(tail -5 "$FAKE_DIR/$d.log")"
		sleep 0.05
	done
	bench_die "$d did not own $name"
}

fake_daemon_stop() {
	local pid=${FAKE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	FAKE_PID[$1]=
}

fake_env_stop() {
	local d
	for d in stacd stafd; do fake_daemon_stop $d; done
	[ -n "${FAKE_KERNEL_PID:-}" ] && kill "$FAKE_KERNEL_PID" 2> /dev/null && wait "$FAKE_KERNEL_PID" 2> /dev/null
	[ -n "${FAKE_BUS_PID:-}" ] && kill "$FAKE_BUS_PID" 2> /dev/null && wait "$FAKE_BUS_PID" 2> /dev/null
	FAKE_KERNEL_PID=''
	FAKE_BUS_PID=''
	if [ -n "$FAKE_DIR" ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$FAKE_DIR"
	elif [ -n "$FAKE_DIR" ]; then
		bench_note "kept $FAKE_DIR"
	fi
	FAKE_DIR=
}

# the fake kernel's controllers: how many (the DCs included)
fake_nctrls() { fk list-ctrls | grep -o '"device":"nvme[0-9]*"' | wc -l; }

# fake_wait_nctrls N TIMEOUT_S: until the fake kernel holds N controllers
fake_wait_nctrls() {
	local end
	end=$(calc "$EPOCHREALTIME + $2" "%.3f")
	until [ "$(fake_nctrls)" = "$1" ]; do
		awk -v a="$EPOCHREALTIME" -v b="$end" 'BEGIN { exit !(a > b) }' && return 1
		sleep 0.05
	done
}

# json_entries ADDR_PREFIX NQN_PREFIX FIRST COUNT: a discovery log entries array,
# traddr ADDR_PREFIX.<i / 250>.<i % 250 + 1>, subnqn NQN_PREFIX<i>
json_entries() {
	awk -v a="$1" -v n="$2" -v f="$3" -v c="$4" 'BEGIN {
		printf "["
		for (i = f; i < f + c; i++)
			printf "%s{\"subtype\":\"nvme\",\"traddr\":\"%s.%d.%d\",\"subnqn\":\"%s%04d\"}",
				(i > f ? "," : ""), a, int(i / 250), i % 250 + 1, n, i
		printf "]"
	}'
}

# fk_batch: the requests on stdin (one JSON object with "op" per line) on ONE
# connection to fake-kerneld (a fake-kernelctl per request costs a process
# each); fails unless every answer is ok.  perl-base is essential on Debian.
fk_batch() {
	perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "fake kernel: $!\n";
		my $bad = 0;
		while (my $req = <STDIN>) {
			print $s $req;
			my $ans = <$s>;
			defined $ans or die "fake kernel closed the connection\n";
			$ans =~ /"ok":true/ or do { $bad++; print STDERR $ans };
		}
		exit($bad ? 1 : 0);' "$STAS_FAKE_KERNEL"
}

# declare_subsystems ADDR_PREFIX NQN_PREFIX FIRST COUNT: the I/O targets those entries name
declare_subsystems() {
	awk -v a="$1" -v n="$2" -v f="$3" -v c="$4" 'BEGIN {
		for (i = f; i < f + c; i++)
			printf "{\"op\":\"declare-subsystem\",\"traddr\":\"%s.%d.%d\",\"nqn\":\"%s%04d\"}\n",
				a, int(i / 250), i % 250 + 1, n, i
	}' | fk_batch || bench_die "declare-subsystem"
}

# fake_setup_dcs NDC PER_DC: NDC discovery controllers 127.0.0.10.. with PER_DC
# entries each (NDC * PER_DC distinct I/O subsystems, all declared), and
# stafd.conf naming every DC (zeroconf disabled); stacd.conf empty
fake_setup_dcs() {
	local ndc=$1 per=$2 d
	declare_subsystems 127.2 nqn.2014-08.com.example:io 0 $((ndc * per))
	{
		printf '[Service Discovery]\nzeroconf=disabled\n[Controllers]\n'
		for ((d = 0; d < ndc; d++)); do
			printf 'controller = transport=tcp;traddr=127.0.0.%d\n' $((10 + d))
		done
	} > "$FAKE_DIR/stafd.conf"
	: > "$FAKE_DIR/stacd.conf"
	for ((d = 0; d < ndc; d++)); do
		printf '{"op":"declare-dc","name":"dc%d","traddr":"127.0.0.%d","entries":%s}\n' \
			$d $((10 + d)) "$(json_entries 127.2 nqn.2014-08.com.example:io $((d * per)) "$per")"
	done | fk_batch || bench_die "declare-dc"
}
