# shellcheck shell=bash
# mdns-lib.sh - mDNS for the e2e guest, sourced after e2e-lib.sh (scenario 6).
#
# the host side (stafd, stacd, the kernel NVMe host, avahi-daemon) lives in
# the root network namespace; the "storage appliance" lives in the network
# namespace $MDNS_NS, linked to it by a veth pair:
#
#   root ns: $MDNS_IF_HOST 10.99.0.1/24 fe80::1   <->   $MDNS_NS: $MDNS_IF_TGT 10.99.0.2/24 fe80::2
#
# the appliance has its own avahi-daemon, which sends real mDNS packets over
# the veth, and the kernel target (nvmet) listens there: nvmet-tcp creates
# its listening socket in the network namespace of the process that enables
# the port, i.e. that links the first subsystem to it (mdns_tgt_link).
#
# two avahi-daemons: the host's is the system one (as the Debian unit runs
# it: drops root, chroots, owns org.freedesktop.Avahi on the system bus that
# stafd uses).  the appliance's needs a bus of its own for avahi-publish:
# path-named unix sockets ignore network namespaces, so on the shared system
# bus it could not own org.freedesktop.Avahi.  it gets its own mount
# namespace (ip netns exec) with fresh tmpfs on /run/dbus and
# /run/avahi-daemon: a private dbus-daemon --system, its pid file and
# socket; avahi-publish runs in that mount namespace (nsenter).
#
# both daemons: a fixed host name each (no name conflict on the link), one
# interface each, and publish-aaaa-on-ipv4=no so that an IPv4 record
# resolves to the IPv4 address and an IPv6 record to the IPv6 one (with the
# default, avahi answers an IPv4 query with the AAAA too, and a resolver
# takes whichever address record comes first).  the IPv6 addresses are
# link-local only (addrgenmode none, no DAD), as on many storage networks.
MDNS_NS=mdns-tgt
MDNS_IF_HOST=veth-h
MDNS_IF_TGT=veth-t
MDNS_V4_HOST=10.99.0.1
MDNS_V4_TGT=10.99.0.2
MDNS_V6_HOST=fe80::1
MDNS_V6_TGT=fe80::2
MDNS_STYPE=_nvme-disc._tcp
MDNS_AVAHI_PID=
MDNS_TGT_PID=
declare -A MDNS_PUB

# run a command in the appliance's network namespace only (same mounts:
# configfs stays visible; `ip netns exec` would remount /sys without it)
mdns_in_tgt() { nsenter --net=/run/netns/$MDNS_NS "$@"; }

mdns_net_setup() {
	ip netns add $MDNS_NS || return 1
	ip link add $MDNS_IF_HOST type veth peer name $MDNS_IF_TGT || return 1
	ip link set $MDNS_IF_TGT netns $MDNS_NS || return 1
	ip link set dev $MDNS_IF_HOST addrgenmode none
	sysctl -qw net.ipv6.conf.$MDNS_IF_HOST.accept_dad=0
	mdns_in_tgt ip link set dev $MDNS_IF_TGT addrgenmode none
	mdns_in_tgt sysctl -qw net.ipv6.conf.$MDNS_IF_TGT.accept_dad=0
	mdns_in_tgt ip link set lo up
	ip addr add $MDNS_V4_HOST/24 dev $MDNS_IF_HOST
	ip addr add $MDNS_V6_HOST/64 dev $MDNS_IF_HOST
	mdns_in_tgt ip addr add $MDNS_V4_TGT/24 dev $MDNS_IF_TGT
	mdns_in_tgt ip addr add $MDNS_V6_TGT/64 dev $MDNS_IF_TGT
	ip link set $MDNS_IF_HOST up
	mdns_in_tgt ip link set $MDNS_IF_TGT up
	wait_for 10 sh -c "ip -br link show $MDNS_IF_HOST | grep -qw UP"
}

# avahi-daemon.conf: HOSTNAME IFACE
mdns_avahi_conf() {
	cat <<-EOF
		[server]
		host-name=$1
		use-ipv4=yes
		use-ipv6=yes
		allow-interfaces=$2
		ratelimit-interval-usec=1000000
		ratelimit-burst=1000
		[wide-area]
		enable-wide-area=no
		[publish]
		publish-hinfo=no
		publish-workstation=no
		publish-aaaa-on-ipv4=no
		[reflector]
		[rlimits]
	EOF
}

avahi_on_bus() { bus_has org.freedesktop.Avahi; }
# the host's avahi-daemon, as avahi-daemon.service runs it (-s: syslog, here
# stderr into the log), with this scenario's configuration file
mdns_avahi_start() {
	mdns_avahi_conf stas-host $MDNS_IF_HOST > "$E2E_RUN/avahi-host.conf"
	echo "== $(up) start" >> "$E2E_RUN/avahi-host.log"
	avahi-daemon -f "$E2E_RUN/avahi-host.conf" >> "$E2E_RUN/avahi-host.log" 2>&1 &
	MDNS_AVAHI_PID=$!
	wait_for 20 avahi_on_bus
}
mdns_avahi_stop() {
	[ -n "$MDNS_AVAHI_PID" ] || return 0
	kill -TERM "$MDNS_AVAHI_PID"
	wait "$MDNS_AVAHI_PID"
	MDNS_AVAHI_PID=
	echo "== $(up) stopped" >> "$E2E_RUN/avahi-host.log"
	wait_for 10 sh -c '! gdbus call --system --dest org.freedesktop.DBus \
		--object-path /org/freedesktop/DBus --method org.freedesktop.DBus.NameHasOwner \
		org.freedesktop.Avahi | grep -q true'
}

# the appliance's avahi-daemon and its private system bus
mdns_tgt_avahi_start() {
	mdns_avahi_conf stas-target $MDNS_IF_TGT > "$E2E_RUN/avahi-tgt.conf"
	mkdir -p /run/dbus /run/avahi-daemon
	ip netns exec $MDNS_NS sh -c "mount -t tmpfs tmpfs /run/dbus &&
		mount -t tmpfs tmpfs /run/avahi-daemon &&
		dbus-daemon --system --fork &&
		exec avahi-daemon --no-chroot --no-drop-root -f $E2E_RUN/avahi-tgt.conf" \
		>> "$E2E_RUN/avahi-tgt.log" 2>&1 &
	MDNS_TGT_PID=$!
	wait_for 20 grep -q 'Server startup complete' "$E2E_RUN/avahi-tgt.log"
}

# mdns_publish_start KEY NAME PORT [TXT...]: avahi-publish -s on the
# appliance, in the background (KEY names it for mdns_unpublish)
mdns_publish_start() {
	local key=$1 name=$2 port=$3
	shift 3
	nsenter -t "$MDNS_TGT_PID" -m -n avahi-publish -s "$name" $MDNS_STYPE "$port" "$@" \
		> "$E2E_RUN/publish-$key.out" 2>&1 &
	MDNS_PUB[$key]=$!
}
# avahi established the service of KEY (probing done, announced)
mdns_published() { grep -q 'Established under name' "$E2E_RUN/publish-$1.out"; }
# the same, returning once established
mdns_publish() {
	mdns_publish_start "$@"
	wait_for 20 mdns_published "$1"
}
# the publisher goes away: avahi withdraws the service (goodbye packets)
mdns_unpublish() {
	local pid=${MDNS_PUB[$1]:-}
	[ -n "$pid" ] || return 1
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	MDNS_PUB[$1]=
}

# the kernel target in the appliance's namespace: link a subsystem to a port
# (the first link enables the port: it listens in $MDNS_NS)
mdns_tgt_link() { mdns_in_tgt ln -s "$CFG/subsystems/$2" "$CFG/ports/$1/subsystems/$2"; }
# tcp listeners of the appliance / of the root namespace
mdns_tgt_listens() { mdns_in_tgt ss -ltnH | awk '{print $4}' | grep -qx "$1"; }
root_listens() { ss -ltnH | awk '{print $4}' | grep -qx "$1"; }

# the guest's logs so far, for a look after the run: into run-vm.sh's shared
# $VM_OUT (the run directory under /tmp/nvme-qemu)
mdns_keep_logs() {
	[ -n "${VM_OUT:-}" ] && [ -d "$VM_OUT" ] || return 0
	cp "$E2E_RUN"/*.log "$E2E_RUN"/*.out "$VM_OUT/" 2> /dev/null
	return 0
}
