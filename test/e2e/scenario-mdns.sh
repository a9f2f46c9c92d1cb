#!/bin/bash
# scenario 6: mDNS.  a storage appliance in its own network namespace (a
# veth pair away, see mdns-lib.sh) announces its DC with avahi-publish; the
# host's avahi-daemon hears it and stafd (zeroconf) connects the DC, stacd its
# I/O controllers.  then: records with an invalid or missing p= and rogue
# records trying to inject options (commas, '=', newlines, over-long values,
# port 0) are logged with their service and skipped, nothing of them reaches
# the kernel; avahi-daemon restarted under stafd; withdrawal and aging (a
# connected DC stays; one gone from mDNS and from the network is dropped
# after zeroconf-connections-persistence); IPv6 link-local with
# ip-family=ipv6 (traddr fe80::2 + host-iface, as upstream: no %scope).
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
# shellcheck source=mdns-lib.sh
. "$(dirname "$0")/mdns-lib.sh"
IO=nqn.2014-08.org.example:stas-md
T4=$MDNS_V4_TGT
T6=$MDNS_V6_TGT
IFH=$MDNS_IF_HOST
PERSIST=5
LOG=$E2E_RUN/stafd.log

# helpers ------------------------------------------------------------------
dc_dev() { nvme_find_ctrl $DISC_NQN "$2" "$1"; }   # TRADDR TRSVCID -> nvmeX
dc_live_at() {   # TRADDR TRSVCID: a live DC to it over veth-h
	local c
	c=$(dc_dev "$1" "$2") && [ "$(nvme_ctrl_attr "$c" state)" = live ] &&
		nvme_ctrl_attr "$c" address | grep -q "host_iface=$IFH"
}
dc_gone() { ! dc_dev "$1" "$2" > /dev/null; }
ioc_live_at() {   # NQN TRADDR TRSVCID: a live I/O controller over veth-h
	local c
	c=$(nvme_find_ctrl "$1" "$3" "$2") && [ "$(nvme_ctrl_attr "$c" state)" = live ] &&
		[ "$(nvme_ctrl_attr "$c" cntrltype)" = io ] &&
		nvme_ctrl_attr "$c" address | grep -q "host_iface=$IFH"
}
no_ctrl_at() {   # TRADDR TRSVCID: no controller of any kind to it
	! { ctrl_rows discovery; ctrl_rows io; } | awk -v a="$1" -v s="$2" '$2 == a && $3 == s' |
		grep -q .
}
# the daemons' views (--json): TRADDR TRSVCID listed by stafctl ls / stacctl ls
json_lists() {
	python3 -c 'import json, sys
a, s = sys.argv[1:]
sys.exit(0 if any(c.get("traddr") == a and c.get("trsvcid") == s for c in json.load(sys.stdin)) else 1)' "$1" "$2"
}
stafd_lists() { "$STAFCTL" ls --json | json_lists "$@"; }
stacd_lists() { "$STACCTL" ls --json | json_lists "$@"; }
status_has() { "$STAFCTL" status 2>/dev/null | grep -qF -- "$1"; }
svc_key() { echo "($IFH, $1, $2.local, $MDNS_STYPE)"; }   # IPv4|IPv6 NAME
logged() { grep -qF -- "$1" $LOG; }
logged_all() {   # one stafd log line holds every string given
	local out s
	out=$(grep -F -- "$1" $LOG) || return 1
	shift
	for s in "$@"; do out=$(grep -F -- "$s" <<< "$out") || return 1; done
}
not_within() { ! wait_for "$@"; }   # SECONDS CMD...: CMD never succeeds in that time
absent() { ! "$@"; }
both_running() { kill -0 "${DAEMON_PID[stafd]}" && kill -0 "${DAEMON_PID[stacd]}"; }
tgt_listens_all() { local a; for a in "$@"; do mdns_tgt_listens "$a" || return 1; done; }

step "kernel, bus, udev"
e2e_boot

step "network: $IFH ($MDNS_V4_HOST, $MDNS_V6_HOST) <-> netns $MDNS_NS: $MDNS_IF_TGT ($T4, $T6)"
check "veth pair between the root namespace and $MDNS_NS is up" mdns_net_setup
check "the appliance answers over IPv4 and IPv6 link-local" sh -c \
	"/run/vm/busybox ping -c1 -W5 $T4 && /run/vm/busybox ping -c1 -W5 $T6%$IFH"

step "target in $MDNS_NS: DC $T4:8009 with ${IO}1,2; :8010 and :8011 (rogue records) with ${IO}r"
nvmet_port 1 $T4 8009
nvmet_port 2 $T4 8010
nvmet_port 3 $T4 8011
for s in 1 2 r; do nvmet_subsys $IO$s file:/run/md$s.img:8M; done
mdns_tgt_link 1 ${IO}1
mdns_tgt_link 1 ${IO}2
mdns_tgt_link 2 ${IO}r
mdns_tgt_link 3 ${IO}r
check "the target listens on $T4:8009, :8010, :8011 in $MDNS_NS" \
	wait_for 10 tgt_listens_all $T4:8009 $T4:8010 $T4:8011
check "and not in the root namespace" absent root_listens $T4:8009

step "avahi-daemon: the host's (system bus) and the appliance's (own bus, netns $MDNS_NS)"
check "the host's avahi-daemon owns org.freedesktop.Avahi" mdns_avahi_start
check "the appliance's avahi-daemon is up" mdns_tgt_avahi_start

step "stafd (zeroconf) and stacd"
stafd_conf() {   # [ip-family]
	e2e_conf stafd <<-EOF
		[Global]
		tron=true
		reconnect-delay=1
		ctrl-loss-tmo=3
		${1:+ip-family=$1}
		[Service Discovery]
		zeroconf=enabled
		[Discovery controller connection management]
		zeroconf-connections-persistence=$PERSIST
	EOF
}
stafd_conf
e2e_conf stacd <<-EOF
	[Global]
	tron=true
	reconnect-delay=1
	ctrl-loss-tmo=3
EOF
check "stafd started" e2e_daemon_start stafd
check "stacd started" e2e_daemon_start stacd
check "stafd found avahi-daemon" wait_for 10 logged "avahi-daemon service available, zeroconf supported."

step "avahi-publish -s SFSS $MDNS_STYPE 8009 p=tcp"
check "published SFSS" mdns_publish sfss SFSS 8009 p=tcp
check "stafd's avahi browser reports SFSS (IPv4) on $IFH" wait_for 30 status_has "$(svc_key IPv4 SFSS)"
check "stafd's avahi browser reports SFSS (IPv6) on $IFH" wait_for 30 status_has "$(svc_key IPv6 SFSS)"
check "the DC at $T4:8009 is live, with host_iface=$IFH" wait_for 30 dc_live_at $T4 8009
for s in 1 2; do
	check "stacd connected ${IO}$s at $T4:8009 over $IFH" wait_for 60 ioc_live_at $IO$s $T4 8009
done
check "stafctl ls lists the DC $T4:8009" stafd_lists $T4 8009
check "stafctl ls shows its host-iface $IFH" sh -c "'$STAFCTL' ls | grep -q \"'host-iface': '$IFH'\""
check "the IPv6 record: nothing listens on [$T6]:8009 yet, the probe is refused and logged" \
	wait_for 20 logged_all "Unable to verify TCP connectivity" "$T6" "8009"
check "no DC to [$T6]:8009" no_ctrl_at $T6 8009

step "records with an invalid or missing p=, and rogue records (all on port 8010: none may connect)"
ROGUE=()
rogue() { ROGUE+=("$1"); mdns_publish_start "$@"; }   # KEY NAME PORT TXT...
rogue badp BADP 8010 p=walmart
rogue nop NOP 8010 "nqn=$DISC_NQN"
rogue pcomma rogue-p-comma 8010 "p=tcp,hostnqn"
rogue ptwoeq rogue-p-two-eq 8010 "p=tcp,traddr=6.6.6.6"
rogue pnl rogue-p-newline 8010 "p=tcp"$'\n'"hostnqn=nqn.evil"
rogue nqncomma rogue-nqn-comma 8010 p=tcp "nqn=nqn.2014-08.org.example:x,hostnqn"
rogue nqnlong rogue-nqn-long 8010 p=tcp "nqn=nqn.2014-08.org.example:$(printf 'a%.0s' {1..226})"
rogue port0 rogue-port-0 0 p=tcp
all_rogue_published() { local k; for k in "${ROGUE[@]}"; do mdns_published "$k" || return 1; done; }
check "published ${#ROGUE[@]} bad records" wait_for 30 all_rogue_published
# each refusal: upstream's line (address, iface, TXT) plus the service
check "p=walmart refused, logged with its TXT and its service" wait_for 30 logged_all \
	"Received invalid/undefined protocol in mDNS TXT field: address=$T4, iface=$IFH, TXT={'p': 'walmart'}" \
	"($IFH, IPv4, \"BADP\""
check "no p= refused, logged" wait_for 10 logged_all \
	"Received invalid/undefined protocol in mDNS TXT field: address=$T4, iface=$IFH, TXT={'nqn': '$DISC_NQN'}" \
	"($IFH, IPv4, \"NOP\""
check "p=tcp,hostnqn refused (not a protocol)" wait_for 10 logged_all \
	"Received invalid/undefined protocol" "TXT={'p': 'tcp,hostnqn'}" "\"rogue-p-comma\""
check "p=tcp,traddr=6.6.6.6 refused (an item with two '=' is skipped: no p left)" \
	wait_for 10 logged_all "Received invalid/undefined protocol" "TXT={}" "\"rogue-p-two-eq\""
check "p=tcp<newline>hostnqn=... refused (a non-printable item is skipped: no p left)" \
	wait_for 10 logged_all "Received invalid/undefined protocol" "TXT={}" "\"rogue-p-newline\""
check "nqn with a comma refused" wait_for 10 logged_all \
	"Invalid nqn in mDNS record: address=$T4, iface=$IFH" "\"rogue-nqn-comma\""
check "over-long nqn (250 bytes) refused" wait_for 10 logged_all \
	"Invalid nqn in mDNS record: address=$T4, iface=$IFH" "longer than 223" "\"rogue-nqn-long\""
check "port 0 refused" wait_for 10 logged_all \
	"Invalid port in mDNS record: address=$T4, iface=$IFH" "\"rogue-port-0\""
check "their IPv6 records are refused the same way" wait_for 10 logged_all \
	"TXT={'p': 'walmart'}" "address=$T6" "($IFH, IPv6, \"BADP\""

step "a hostile service name and hostile extra TXT items (port 8011): the bad items are skipped"
check "published" mdns_publish evil "evil,hostnqn=x"$'\n'"y" 8011 p=tcp \
	"nqn=nqn.2014-08.org.example:evil"$'\n'"hostnqn=nqn.evil" \
	"hostnqn=nqn.evil" "host-traddr=6.6.6.6" "traddr=6.6.6.6" "trsvcid=4420" "transport=rdma"
check "the DC at $T4:8011 is live (well-known NQN: the nqn item was skipped)" \
	wait_for 30 dc_live_at $T4 8011
check "the skipped item is logged (tron) with the service, its name quoted" logged_all \
	"mDNS service ($IFH, IPv4, \"evil,hostnqn=x\\x0ay\"" "skipped: not printable ASCII"
check "after all that: no controller to port 8010" no_ctrl_at $T4 8010
injected() {   # sysfs of every controller: injected text, or not our host NQN
	local c hnqn
	hnqn=$(cat /etc/nvme/hostnqn)
	for c in /sys/class/nvme/nvme*; do
		grep -q -e evil -e hostnqn -e host_traddr -e 6.6.6.6 -e 4420 "$c/address" "$c/subsysnqn" &&
			return 0
		[ "$(cat "$c/hostnqn")" = "$hnqn" ] || return 0
		case "$(cat "$c/subsysnqn")" in "$DISC_NQN" | "$IO"*) ;; *) return 0 ;; esac
	done
	return 1
}
check "nothing injected reached the kernel (/sys/class/nvme/*/address, subsysnqn, hostnqn)" \
	absent injected
ctrl_rows discovery | sed 's/^/  sysfs DC:  /'
check "stafd and stacd kept running" both_running
check "the first DC is untouched" dc_live_at $T4 8009
for s in 1 2; do check "${IO}$s is untouched" ioc_live_at $IO$s $T4 8009; done
for k in "${ROGUE[@]}"; do mdns_unpublish "$k"; done

step "avahi-daemon restarted under stafd"
check "the host's avahi-daemon stopped" mdns_avahi_stop
check "stafd: avahi-daemon not available" \
	wait_for 10 logged "avahi-daemon not available, zeroconf not supported."
check "stafd forgot the mDNS services" wait_for 10 absent status_has SFSS
check "the connected mDNS DC $T4:8009 stays (gone from mDNS is not gone)" dc_live_at $T4 8009
check "the connected mDNS DC $T4:8011 stays" dc_live_at $T4 8011
check "the host's avahi-daemon started again" mdns_avahi_start
avail_twice() { [ "$(grep -cF 'avahi-daemon service available, zeroconf supported.' $LOG)" -ge 2 ]; }
check "stafd re-attached to avahi-daemon" wait_for 20 avail_twice
check "stafd rediscovered SFSS" wait_for 30 status_has "$(svc_key IPv4 SFSS)"
check "the DC at $T4:8009 is still live" dc_live_at $T4 8009

step "withdrawal: SFSS unpublished while its DC is connected"
check "SFSS withdrawn (avahi-publish stopped)" mdns_unpublish sfss
check "stafd saw the withdrawal" wait_for 20 absent status_has "$(svc_key IPv4 SFSS)"
check "the withdrawn DC is kept while connected (not dropped within 5 s)" \
	not_within 5 dc_gone $T4 8009

step "aging: the appliance's DC port goes away too"
nvmet_unlink 1 ${IO}1
nvmet_unlink 1 ${IO}2
ss -K dst $T4 dport = 8009 > /dev/null
check "the kernel gave the DC up (ctrl-loss-tmo 3 s)" wait_for 30 dc_gone $T4 8009
check "stafd: the DC is not responding, removal scheduled" wait_for 30 logged_all \
	"Controller is not responding. Will be removed by" "$T4"
t_marked=$(up)
check "stafd dropped the DC after zeroconf-connections-persistence ($PERSIST s)" \
	wait_for 60 absent stafd_lists $T4 8009
t_removed=$(up)
echo "  marked at $t_marked, removed at $t_removed"
check "not before the persistence time ran out" awk -v a="$t_marked" -v b="$t_removed" \
	-v p=$PERSIST 'BEGIN { exit !(b - a >= p - 1) }'
check "stacd dropped the I/O controllers of the removed DC" wait_for 30 absent stacd_lists $T4 8009
check "the DC at $T4:8011 (still announced and connected) stays" dc_live_at $T4 8011

step "IPv6 link-local: ip-family=ipv6, the DC on [::]:8009 in $MDNS_NS, SFSS published again"
stafd_conf ipv6
e2e_daemon_reload stafd
check "the IPv4 DC at $T4:8011 is removed (ip-family=ipv6)" wait_for 30 no_ctrl_at $T4 8011
nvmet_port 4 :: 8009 ipv6
mdns_tgt_link 4 ${IO}1
mdns_tgt_link 4 ${IO}2
v6_any_listens() { mdns_tgt_listens '[::]:8009' || mdns_tgt_listens '*:8009'; }
check "the target listens on [::]:8009 in $MDNS_NS" wait_for 10 v6_any_listens
check "published SFSS again" mdns_publish sfss6 SFSS 8009 p=tcp
check "the DC at [$T6]:8009 is live with host_iface=$IFH (the interface scopes the link-local address)" \
	wait_for 30 dc_live_at $T6 8009
for s in 1 2; do
	check "stacd connected ${IO}$s at [$T6]:8009 over $IFH" wait_for 60 ioc_live_at $IO$s $T6 8009
done
check "stafctl ls lists the DC [$T6]:8009" stafd_lists $T6 8009
check "no IPv4 DC although the IPv4 record is reachable now (ip-family=ipv6)" \
	absent stafd_lists $T4 8009
check "  and none in sysfs" no_ctrl_at $T4 8009
ctrl_rows discovery | sed 's/^/  sysfs DC:  /'
ctrl_rows io | sed 's/^/  sysfs IOC: /'
check "stafd and stacd still running" both_running

mdns_keep_logs
e2e_finish
