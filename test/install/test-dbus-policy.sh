#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# the D-Bus policy files (REFERENCE 3.7) on a private dbus-daemon whose
# default policy is the system bus's:
#  - dbus-daemon accepts them (and refuses a broken copy: the check can fail);
#  - as root (the real credentials are needed): root may own the names, user
#    nobody may not (nor a name below them); nobody may call methods and get
#    properties but not set them; root may set them.
#
# test-dbus-policy.sh POLICYDIR POLICY-PEER
set -eu

POLICYDIR=$1 PEER=$2
NAMES="org.nvmexpress.staf org.nvmexpress.stac"
# every probe as nobody is bounded in time: a wrong policy must fail, not hang
NOBODY="timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups"

tmp=$(mktemp -d)
chmod 755 "$tmp"
daemon_pid=""
peer_pid=""
cleanup() {
	[ -z "$peer_pid" ] || kill "$peer_pid" 2>/dev/null || true
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
failed=0

fail() {
	echo "FAIL: $*" >&2
	failed=1
}

# a bus configuration: the system bus's default policy, then the files
write_config() {
	cat <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path=$tmp/bus</listen>
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
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
XML
	for f in "$@"; do
		echo "  <include>$f</include>"
	done
	echo "</busconfig>"
}

# start dbus-daemon with config $1; sets daemon_pid and ADDRESS; FALSE if it refused
start_bus() {
	rm -f "$tmp/bus" "$tmp/address"
	dbus-daemon --config-file="$1" --nofork --nopidfile --nosyslog --print-address=3 \
		3>"$tmp/address" 2>"$tmp/daemon.log" &
	daemon_pid=$!
	i=0
	while [ ! -s "$tmp/address" ]; do
		if ! kill -0 "$daemon_pid" 2>/dev/null; then
			daemon_pid=""
			return 1
		fi
		i=$((i + 1))
		[ "$i" -lt 100 ] || return 1
		sleep 0.05
	done
	ADDRESS=$(head -n1 "$tmp/address")
	return 0
}

stop_bus() {
	kill "$daemon_pid" 2>/dev/null || true
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=""
}

# ---- the files are accepted; a broken copy is refused ----
for n in $NAMES; do
	[ -f "$POLICYDIR/$n.conf" ] || fail "$POLICYDIR/$n.conf is missing"
done
files=""
for n in $NAMES; do
	files="$files $POLICYDIR/$n.conf"
done
# shellcheck disable=SC2086
write_config $files >"$tmp/bus.conf"
sed 's|<allow own_prefix=|<allow own_prefx=|' "$POLICYDIR/org.nvmexpress.staf.conf" \
	>"$tmp/broken.conf"
write_config "$tmp/broken.conf" >"$tmp/broken-bus.conf"
if start_bus "$tmp/broken-bus.conf"; then
	stop_bus
	fail "dbus-daemon accepted a broken policy file: this check cannot fail"
fi
if ! start_bus "$tmp/bus.conf"; then
	cat "$tmp/daemon.log" >&2
	echo "FAIL: dbus-daemon refused the policy files" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "policy files accepted; not root: the per-user checks need root" >&2
	[ "$failed" -eq 0 ] || exit 1
	exit 77
fi

# ---- who may do what ----
cp "$PEER" "$tmp/policy-peer"
chmod 755 "$tmp/policy-peer"
send() {
	timeout 10 dbus-send --bus="$ADDRESS" --print-reply "$@" >"$tmp/send.out" 2>&1
}

for n in $NAMES; do
	path=/$(echo "$n" | tr . /)

	# root owns the name
	"$tmp/policy-peer" "$ADDRESS" "$n" "$path" >"$tmp/peer.out" 2>&1 &
	peer_pid=$!
	i=0
	until grep -q owned "$tmp/peer.out" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge 100 ] || ! kill -0 "$peer_pid" 2>/dev/null; then
			cat "$tmp/peer.out" >&2
			fail "$n: root cannot own the name"
			break
		fi
		sleep 0.05
	done

	# nobody may not own it, nor a name below it
	rc=0
	$NOBODY "$tmp/policy-peer" --once "$ADDRESS" "$n.sub" "$path" >"$tmp/nobody.out" 2>&1 || rc=$?
	[ "$rc" -eq 3 ] || fail "$n.sub: nobody could own it (exit $rc: $(cat "$tmp/nobody.out"))"

	# nobody may call methods and read properties
	$NOBODY dbus-send --bus="$ADDRESS" --print-reply --dest="$n" "$path" "$n.ping" \
		>"$tmp/send.out" 2>&1 || fail "$n: nobody cannot call a method: $(cat "$tmp/send.out")"
	$NOBODY dbus-send --bus="$ADDRESS" --print-reply --dest="$n" "$path" \
		org.freedesktop.DBus.Properties.Get string:"$n.debug" string:tron \
		>"$tmp/send.out" 2>&1 ||
		fail "$n: nobody cannot read tron: $(cat "$tmp/send.out")"

	# nobody may not set a property; root may
	if $NOBODY dbus-send --bus="$ADDRESS" --print-reply --dest="$n" "$path" \
		org.freedesktop.DBus.Properties.Set string:"$n.debug" string:tron \
		variant:boolean:true >"$tmp/send.out" 2>&1; then
		fail "$n: nobody could set tron"
	elif ! grep -q AccessDenied "$tmp/send.out"; then
		fail "$n: setting tron as nobody failed, but not with AccessDenied: $(cat "$tmp/send.out")"
	fi
	send --dest="$n" "$path" org.freedesktop.DBus.Properties.Set string:"$n.debug" \
		string:tron variant:boolean:true || fail "$n: root cannot set tron: $(cat "$tmp/send.out")"
	send --dest="$n" "$path" org.freedesktop.DBus.Properties.Get string:"$n.debug" string:tron
	grep -q "boolean true" "$tmp/send.out" || fail "$n: tron was not set: $(cat "$tmp/send.out")"

	kill "$peer_pid" 2>/dev/null || true
	wait "$peer_pid" 2>/dev/null || true
	peer_pid=""
done

# and nobody may not own the names themselves once they are free
for n in $NAMES; do
	rc=0
	$NOBODY "$tmp/policy-peer" --once "$ADDRESS" "$n" /x >"$tmp/nobody.out" 2>&1 || rc=$?
	[ "$rc" -eq 3 ] || fail "$n: nobody could own it (exit $rc: $(cat "$tmp/nobody.out"))"
done

[ "$failed" -eq 0 ] || exit 1
echo "policy files accepted by dbus-daemon and enforced as specified"
