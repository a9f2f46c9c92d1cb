#!/bin/bash
# scenario 1: a configured DC on the kernel target.  nvmet serves discovery
# on 127.0.0.1:8009 with 3 I/O subsystems linked on that port (and on 4420,
# which no log page names); stafd connects the DC from stafd.conf, stacd
# connects every I/O subsystem of its log page, and stafctl, stacctl and
# `nvme list` agree.  runs INSIDE the guest: run-vm.sh this-script BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh"
IO=nqn.2014-08.org.example:stas-io

step "kernel, bus, udev"
e2e_boot

step "target: DC port 127.0.0.1:8009, I/O port 127.0.0.1:4420, ${IO}1..3"
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 4420
for i in 1 2 3; do
	nvmet_subsys $IO$i file:/run/io$i.img:16M
	nvmet_link 1 $IO$i
	nvmet_link 2 $IO$i
done
check "target listens on 8009 and 4420" wait_for 5 sh -c \
	'ss -ltnH | grep -q 127.0.0.1:8009 && ss -ltnH | grep -q 127.0.0.1:4420'

step "stafd and stacd, as systemd starts them"
e2e_conf stafd <<-EOF
	[Global]
	tron=true
	[Service Discovery]
	zeroconf=disabled
	[Controllers]
	controller=transport=tcp;traddr=127.0.0.1;trsvcid=8009
EOF
e2e_conf stacd <<-EOF
	[Global]
	tron=true
EOF
check "stafd started (owns org.nvmexpress.staf)" e2e_daemon_start stafd
check "stacd started (owns org.nvmexpress.stac)" e2e_daemon_start stacd

step "discovery and connections"
check "stafd's DC to 127.0.0.1:8009 is live" wait_for 30 dc_live 8009
for i in 1 2 3; do
	check "stacd connected ${IO}$i at 127.0.0.1:8009" wait_for 60 ioc_live $IO$i 8009
done
check "exactly 3 I/O controllers (nothing on 4420: no log page names it)" ioc_count 3

step "the views agree"
ctrl_rows discovery | sed 's/^/  sysfs DC:  /'
ctrl_rows io | sed 's/^/  sysfs IOC: /'
"$STAFCTL" ls > $E2E_RUN/stafctl-ls.txt 2>&1
"$STAFCTL" adlp > $E2E_RUN/stafctl-adlp.txt 2>&1
"$STACCTL" ls > $E2E_RUN/stacctl-ls.txt 2>&1
nvme list > $E2E_RUN/nvme-list.txt 2>&1
nvme list-subsys > $E2E_RUN/nvme-list-subsys.txt 2>&1
for f in stafctl-ls stafctl-adlp stacctl-ls nvme-list nvme-list-subsys; do
	echo "  \$ ${f/-/ }"
	sed 's/^/    /' $E2E_RUN/$f.txt | head -40
done
check "stafctl ls shows the DC at 127.0.0.1:8009" grep -q 8009 $E2E_RUN/stafctl-ls.txt
for i in 1 2 3; do
	check "stafctl adlp lists ${IO}$i" grep -q "$IO$i" $E2E_RUN/stafctl-adlp.txt
	check "stacctl ls lists ${IO}$i" grep -q "$IO$i" $E2E_RUN/stacctl-ls.txt
	check "nvme list-subsys lists ${IO}$i" grep -q "$IO$i" $E2E_RUN/nvme-list-subsys.txt
done
check "stacctl ls names exactly the I/O subsystems in sysfs" sh -c \
	"[ \"\$(grep -o '${IO}[0-9]' $E2E_RUN/stacctl-ls.txt | sort -u)\" = \"\$(printf '%s\n' ${IO}1 ${IO}2 ${IO}3)\" ]"
check "nvme list shows 3 namespaces" sh -c "[ \$(grep -c '^/dev/nvme' $E2E_RUN/nvme-list.txt) = 3 ]"

e2e_finish
