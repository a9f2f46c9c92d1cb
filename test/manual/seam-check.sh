#!/bin/bash
# seam-check.sh BUILD_DIR - run INSIDE the test guest (see README.md): an
# nvmet target on loopback, then the seam-check program against it.
set -u
BUILD=${1:?usage: seam-check.sh BUILD_DIR}
VMLIB=${VMLIB:-$(dirname "$0")/../e2e/nvmet-lib.sh}
. "$VMLIB"

nvmet_init || { echo "FAIL - nvmet modules"; exit 1; }
modprobe null_blk nr_devices=1 gb=1 memory_backed=1
A=nqn.2014-08.org.example:seam-ioc
nvmet_subsys $A /dev/nullb0
nvmet_port 1 127.0.0.1 8009
nvmet_port 2 127.0.0.1 4420
nvmet_link 2 $A
# five subsystems on the discovery port: 5 records + the current discovery
# subsystem entry, a log larger than 4 KiB
for i in 1 2 3 4 5; do
    mkdir -p $CFG/subsystems/seam$i && echo 1 > $CFG/subsystems/seam$i/attr_allow_any_host
    nvmet_link 1 seam$i
done
wait_for 5 sh -c 'ss -ltnH | grep -q "127.0.0.1:8009"' || { echo "FAIL - target"; exit 1; }

HOSTID=$(cat /proc/sys/kernel/random/uuid)
HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$HOSTID
"$BUILD/seam-check" "$HOSTNQN" "$HOSTID" \
    $CFG/ports/1/subsystems/seam1 $CFG/ports/1/subsystems/seam2 \
    $CFG/ports/1/subsystems/seam3 $A
rc=$?
for c in /sys/class/nvme/nvme*; do [ -e "$c/delete_controller" ] && echo 1 > "$c/delete_controller"; done
nvmet_clear
exit $rc
