#!/bin/bash
# scenario 9: nvme-cli interop (REFERENCE 3.9, 5.18).  udevd runs with
# nvme-cli's real 70-nvmf-autoconnect.rules (not masked as in the other
# scenarios).  while stafd runs, its /run/udev/rules.d override shadows that
# rule, and stafd itself forwards the discovery AENs and "rediscover" events
# of DCs it does not manage (one connected by hand) as
# `systemctl --quiet --no-block restart nvmf-connect@<escaped args>.service`;
# its own DC's AENs it handles itself.  once stafd stops, the override is
# gone and nvme-cli's rule acts again.  a rule file stafd did not write is
# neither replaced nor removed (Q24).  the guest has no systemd: systemctl is
# a stand-in that records its calls (bind-mounted on /usr/bin/systemctl,
# the path both nvme-cli's rule and stafd use).
# runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
A=nqn.2014-08.org.example:stas-ia
B=nqn.2014-08.org.example:stas-ib
RULE=70-nvmf-autoconnect.rules
CLI_RULE=/usr/lib/udev/rules.d/$RULE
OVERRIDE=/run/udev/rules.d/$RULE
CALLS=$E2E_RUN/systemctl.calls
LOG=$E2E_RUN/stafd.log

# systemctl stand-in: one line per call, "<uptime> <parent> <args>" (the
# parent of udev's calls is "(udev-worker)"; stafd's are reparented: glib
# spawns through an intermediate child)
fake_systemctl_install() {
	cat > $E2E_RUN/systemctl <<-'EOF'
		#!/bin/sh
		echo "$(cut -d' ' -f1 /proc/uptime) $(cat /proc/$PPID/comm) $*" >> /run/e2e/systemctl.calls
	EOF
	chmod 755 $E2E_RUN/systemctl
	: > $CALLS
	mount --bind $E2E_RUN/systemctl /usr/bin/systemctl && /usr/bin/systemctl --probe &&
		grep -q -- '--probe' $CALLS && : > $CALLS
}
# udevd as e2e_start_udev starts it, but with nvme-cli's rule left alone
start_udev_unmasked() {
	[ -x /lib/systemd/systemd-udevd ] || return 1
	[ ! -e /etc/udev/rules.d/$RULE ] || return 1
	/lib/systemd/systemd-udevd --daemon || return 1
	wait_for 10 udevadm control --ping
}
# the file udev reads for 70-nvmf-autoconnect.rules (a file of the same name
# in an earlier directory shadows the others)
rule_source() {
	udevadm test --action=change /sys/class/net/lo 2>&1 |
		sed -n "s|^Reading rules file: \(.*/$RULE\)\$|\1|p"
}
rule_source_is() { [ "$(rule_source)" = "$1" ]; }
# the override as stafd writes it: only nvme-cli's legacy FC rule, through
# the systemctl stafd found
override_is_stafds() {
	grep -q 'SUBSYSTEM=="fc", ENV{FC_EVENT}=="nvmediscovery"' $OVERRIDE &&
		grep -qF '/usr/bin/systemctl --no-block restart nvmf-connect@--device\x3dnone\x09--transport\x3dfc' \
			$OVERRIDE &&
		! grep -q 'SUBSYSTEM=="nvme"' $OVERRIDE
}
# udevd looks at its rule directories when an event comes, at most every 3 s
# (systemd 252 udevd event_queue_start): an event sooner may still see the
# old rules.  nothing to poll for, so wait that long.
udev_rules_settle() { sleep 3.5; }
# N calls match the extended regexp RE ('.' stands for the backslash of \x3d)
calls_exactly() { [ "$(grep -cE -- "$1" $CALLS)" = "$2" ]; }   # RE N
cli_start() { echo "--no-block start nvmf-connect@--device=$1([^0-9]|\$)"; }   # DEV: nvme-cli's rule
stafd_restart() { echo "--quiet --no-block restart nvmf-connect@--device.x3d$1\\.service\$"; }   # DEV
logged() { grep -qF -- "$1" $LOG; }
dc_dev() { nvme_find_ctrl $DISC_NQN "$1"; }   # TRSVCID -> nvmeX
adlp_lists() { "$STAFCTL" adlp | grep -q "$1"; }
# an AEN on the DC at port PORT: re-arm it (RAE=0 read), then zone NQN in
aen() {   # DEV PORT NQN
	disc_log_rearm "$1" && nvmet_link "$2" "$3"
}

step "kernel, bus, and udevd with nvme-cli's autoconnect rule live"
check "nvmet, nvmet-tcp, nvme-tcp loaded; /dev/nvme-fabrics present" nvmet_init
check "system dbus-daemon running with the project's policy" e2e_start_bus
check "systemctl is a recording stand-in (no systemd in this guest)" fake_systemctl_install
check "nvme-cli's rule is installed ($CLI_RULE)" test -f $CLI_RULE
check "systemd-udevd running, nvme-cli's rule not masked" start_udev_unmasked
check "udev reads nvme-cli's rule from $CLI_RULE" rule_source_is $CLI_RULE

step "target: 127.0.0.1:8009 (stafd's DC) and 127.0.0.1:8010 (a DC stafd does not manage)"
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 8010
for i in 1 2; do nvmet_subsys $A$i file:/run/ia$i.img:8M; done
for i in 1 2 3 4; do nvmet_subsys $B$i file:/run/ib$i.img:8M; done
nvmet_link 1 ${A}1
nvmet_link 2 ${B}1
check "target listens on 8009 and 8010" wait_for 5 sh -c \
	'ss -ltnH | grep -q 127.0.0.1:8009 && ss -ltnH | grep -q 127.0.0.1:8010'
nvme discover -t tcp -a 127.0.0.1 -s 8010 --persistent --reconnect-delay=1 > /dev/null
check "a persistent DC to 127.0.0.1:8010 connected by hand (nvme discover --persistent)" \
	wait_for 10 dc_live 8010
UNM=$(dc_dev 8010)
echo "  unmanaged DC: $UNM"

step "before stafd: nvme-cli's rule handles that DC's AEN"
aen "$UNM" 2 ${B}2
check "udev ran 'systemctl --no-block start nvmf-connect@--device=$UNM...'" wait_for 20 \
	calls_exactly "$(cli_start "$UNM")" 1
sed 's/^/  call: /' $CALLS

step "stafd starts (configured DC 127.0.0.1:8009): the rule is shadowed"
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
check "stafd started" e2e_daemon_start stafd
check "stafd wrote $OVERRIDE" test -f $OVERRIDE
check "the override keeps only the FC rule, run through /usr/bin/systemctl" override_is_stafds
check "udev now reads $OVERRIDE instead of nvme-cli's rule" rule_source_is $OVERRIDE
check "stafd's DC 127.0.0.1:8009 is live" wait_for 30 dc_live 8009
MDC=$(dc_dev 8009)
echo "  stafd's DC: $MDC"
udev_rules_settle

step "an AEN on the DC stafd does not manage: forwarded by stafd"
aen "$UNM" 2 ${B}3
check "stafd logged '$UNM - Received AEN: Change of Discovery Log Page (0x70f002)'" wait_for 20 \
	logged "$UNM - Received AEN: Change of Discovery Log Page (0x70f002)"
check "stafd ran 'systemctl --quiet --no-block restart nvmf-connect@--device\\x3d$UNM.service'" \
	wait_for 20 calls_exactly "$(stafd_restart "$UNM")" 1
check "nvme-cli's rule did not act (shadowed): still one 'start nvmf-connect@'" \
	calls_exactly "block start nvmf-connect@" 1
sed 's/^/  call: /' $CALLS

step "an AEN on stafd's own DC: handled by stafd, not forwarded"
aen "$MDC" 1 ${A}2
check "stafd fetched its DC's new log page (stafctl adlp lists ${A}2)" wait_for 20 adlp_lists ${A}2
check "no systemctl call names $MDC" calls_exactly "device(=|.x3d)$MDC([^0-9]|\$)" 0
check "no other call at all (2 so far: nvme-cli's before stafd, stafd's forward)" calls_exactly "nvmf-connect@" 2

step "a \"rediscover\" event on the unmanaged DC (its connection reset: it reconnects)"
ss -K dst 127.0.0.1 dport = 8010 > /dev/null
check "stafd logged '$UNM - Received \"rediscover\" event'" wait_for 30 \
	logged "$UNM - Received \"rediscover\" event"
check "and forwarded it: a second 'restart nvmf-connect@--device\\x3d$UNM.service'" wait_for 20 \
	calls_exactly "$(stafd_restart "$UNM")" 2
check "the unmanaged DC is live again" wait_for 20 dc_live 8010
check "nvme-cli's rule still shadowed" calls_exactly "block start nvmf-connect@" 1

step "stafd stops: nvme-cli's rule is back"
check "stafd stopped" e2e_daemon_stop stafd
check "stafd removed $OVERRIDE" test ! -e $OVERRIDE
check "udev reads nvme-cli's rule again" rule_source_is $CLI_RULE
udev_rules_settle
aen "$UNM" 2 ${B}4
check "udev ran 'systemctl --no-block start nvmf-connect@--device=$UNM...' again" wait_for 20 \
	calls_exactly "$(cli_start "$UNM")" 2
check "stafd forwarded nothing more" calls_exactly "--quiet --no-block restart" 2
sed 's/^/  call: /' $CALLS

step "a rule file stafd did not write is neither replaced nor removed (Q24)"
printf '# the admin'"'"'s own override\n' > $OVERRIDE
cp $OVERRIDE $E2E_RUN/admin.rules
check "stafd started" e2e_daemon_start stafd
check "the admin's file is unchanged while stafd runs" cmp $OVERRIDE $E2E_RUN/admin.rules
check "stafd stopped" e2e_daemon_stop stafd
check "the admin's file is still there, unchanged" cmp $OVERRIDE $E2E_RUN/admin.rules

e2e_finish
