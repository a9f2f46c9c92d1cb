#!/bin/bash
# vm-check.sh BUILD_DIR - the DC emulator against the real Linux NVMe/TCP host
# driver.  Run INSIDE the test guest of test/e2e (README.md):
#
#   ninja -C $B test/dc-emulator/nvme-dc-emu test/dc-emulator/nvme-dc-emuctl \
#         test/dc-emulator/dc-emu-seam-probe
#   flock /tmp/nvme-qemu/vm.lock env VM_SMP=1 VM_TIMEOUT=600 \
#         test/e2e/run-vm.sh test/dc-emulator/vm-check.sh $B
#
# Ends with "N passed, N failed"; exit status 0 only if nothing failed.
set -u
BUILD=$(cd "${1:?usage: vm-check.sh BUILD_DIR}" && pwd)
VMLIB=${VMLIB:-$(dirname "$0")/../e2e/nvmet-lib.sh}
# shellcheck source=/dev/null
. "$VMLIB"
EMU=$BUILD/test/dc-emulator/nvme-dc-emu
CTL=$BUILD/test/dc-emulator/nvme-dc-emuctl
PROBE=$BUILD/test/dc-emulator/dc-emu-seam-probe
RUN=/run/dc-emu
mkdir -p $RUN
PASS=0 FAIL=0
EMU_PIDS=""

check() {   # DESCRIPTION CMD...
    local d=$1; shift
    if "$@" >/dev/null 2>&1; then PASS=$((PASS + 1)); echo "ok   - $d"
    else FAIL=$((FAIL + 1)); echo "FAIL - $d"; fi
}
step() { echo "## [$(cut -d' ' -f1 /proc/uptime)] $*"; }
ctl() { local s=$1; shift; "$CTL" --socket "$RUN/$s.sock" "$@"; }
# ctl_has NAME OP PATTERN: the answer to OP contains PATTERN (a JSON fragment)
ctl_has() { ctl "$1" "$2" | grep -q -- "$3"; }
# emu_start NAME PORT ARGS...: start one emulator, wait for its READY line
emu_start() {
    local name=$1 port=$2; shift 2
    "$EMU" --address 127.0.0.1 --port "$port" --control "$RUN/$name.sock" "$@" \
        > "$RUN/$name.out" 2> "$RUN/$name.log" &
    EMU_PIDS="$EMU_PIDS $!"
    wait_for 10 grep -q READY "$RUN/$name.out"
}
none_connected() { ! ctl_has a list-connections '"connected":true'; }
state_of() { cat /sys/class/nvme/$1/state 2>/dev/null; }
is_live() { [ "$(state_of "$1")" = live ]; }
not_live() { [ "$(state_of "$1")" != live ]; }
aen_count() { grep -c "NVME_AEN=0x70f002" "$UEVENT_LOG"; }
# numrec of a raw discovery log header read from stdin
numrec() { od -An -tu8 -j8 -N8 | tr -d ' '; }
entry() {   # SUBNQN TRADDR [LOCAL]
    printf '{"traddr":"%s","trsvcid":"4420","subnqn":"%s","local":%s}' "$2" "$1" "${3:-true}"
}
IO=nqn.2014-08.org.example:io

step "host driver"
modprobe -a nvme-tcp nvme-fabrics
check "nvme-tcp loaded, /dev/nvme-fabrics present" test -c /dev/nvme-fabrics

step "emulator A: CDC, well-known NQN, PLEO, 127.0.0.1:8009"
check "emulator A ready" emu_start a 8009 --dctype cdc \
    --entry "$(entry ${IO}1 127.0.0.1)" --entry "$(entry ${IO}2 127.0.0.2 false)"
check "emulator B ready: DDC, unique NQN, no PLEO, 127.0.0.1:8010 (two emulators at once)" \
    emu_start b 8010 --dctype ddc --no-pleo --nqn nqn.2014-08.org.example:ddc-b \
    --entry "$(entry ${IO}9 127.0.0.9)"

step "one-shot discovery"
OUT=$(nvme discover -t tcp -a 127.0.0.1 -s 8009 -o json 2>&1); echo "$OUT" | head -c 700; echo
check "nvme discover lists both entries of A" sh -c "echo '$OUT' | grep -q ${IO}1 && echo '$OUT' | grep -q ${IO}2"
check "nvme discover leaves no controller behind" sh -c '! ls /sys/class/nvme | grep -q nvme'
OUT=$(nvme discover -t tcp -a 127.0.0.1 -s 8009 -g -G -o json 2>&1)
check "nvme discover with header and data digests" sh -c "echo '$OUT' | grep -q ${IO}1"
OUT=$(nvme discover -t tcp -a 127.0.0.1 -s 8010 -o json 2>&1)
check "nvme discover of B (well-known NQN connect, unique NQN identify)" sh -c "echo '$OUT' | grep -q ${IO}9"

step "persistent discovery controller on A"
uevent_start
nvme connect -t tcp -a 127.0.0.1 -s 8009 -n "$DISC_NQN" -k 2 -c 1 -l 60
DC=$(nvme_find_ctrl "$DISC_NQN" 8009)
echo "  DC=$DC"; nvme list-subsys 2>&1 | head -20
for a in cntrltype dctype state kato subsysnqn cntlid transport address hostnqn; do
    echo "  $DC/$a=$(nvme_ctrl_attr "$DC" $a)"
done
check "persistent DC is live" is_live "$DC"
check "sysfs cntrltype=discovery dctype=cdc" sh -c "[ \"$(nvme_ctrl_attr "$DC" cntrltype)\" = discovery ] && [ \"$(nvme_ctrl_attr "$DC" dctype)\" = cdc ]"
check "sysfs cntlid matches the emulator's association" \
    ctl_has a list-connections "\"cntlid\":$(nvme_ctrl_attr "$DC" cntlid),"
check "the emulator recorded the host NQN from Connect" \
    ctl_has a list-connections "\"hostnqn\":\"$(nvme_ctrl_attr "$DC" hostnqn)\""
check "the emulator holds the host's AER" ctl_has a list-connections '"aers_outstanding":1'
check "keep alives arrive (kato 2 s)" wait_for 8 ctl_has a list-connections '"keep_alives":[1-9]'

step "AEN on change, masked until an RAE=0 read"
ctl a add-entry "{\"entry\":$(entry ${IO}3 127.0.0.3)}"
check "change -> uevent NVME_AEN=0x70f002" wait_for 5 grep -q "NVME_AEN=0x70f002" "$UEVENT_LOG"
check "the AEN is masked after sending" ctl_has a list-connections '"aen_armed":false'
ctl a add-entry "{\"entry\":$(entry ${IO}4 127.0.0.4 false)}"
sleep 2
check "no second AEN while masked" test "$(aen_count)" = 1
nvme get-log "/dev/$DC" --log-id=0x70 --log-len=1024 > /dev/null
check "Get Log Page with RAE=0 re-arms" ctl_has a list-connections '"aen_armed":true'
check "... and the emulator saw RAE=0" ctl_has a list-connections '"last_rae":false'
ctl a remove-entry "{\"match\":{\"subnqn\":\"${IO}4\"}}"
check "next change -> second NVME_AEN=0x70f002" wait_for 5 sh -c "[ \$(grep -c NVME_AEN=0x70f002 $UEVENT_LOG) -ge 2 ]"
nvme get-log "/dev/$DC" --log-id=0x70 --log-len=1024 > /dev/null
ctl a fire-aen '{}' > /dev/null
check "fire-aen -> third NVME_AEN" wait_for 5 sh -c "[ \$(grep -c NVME_AEN=0x70f002 $UEVENT_LOG) -ge 3 ]"
cat "$UEVENT_LOG"

step "log pages: PLEO and Supported Log Pages"
N_ALL=$(nvme get-log "/dev/$DC" --log-id=0x70 --log-len=1024 -b | numrec)
N_LOC=$(nvme get-log "/dev/$DC" --log-id=0x70 --log-len=1024 --lsp=2 -b | numrec)
echo "  numrec: all=$N_ALL pleo=$N_LOC"
check "numrec 3 without LSP, 2 with LSP PLEO (one entry not port local)" sh -c "[ '$N_ALL' = 3 ] && [ '$N_LOC' = 2 ]"
check "the emulator saw LSP 2" ctl_has a list-connections '"last_lsp":2'
SUP=$(nvme get-log "/dev/$DC" --log-id=0 --log-len=1024 -b | od -An -tx4 -j$((0x70 * 4)) -N4 | tr -d ' ')
echo "  lid_support[0x70]=$SUP"
check "Supported Log Pages: LID 0x70 with PLEOS (0x00020001)" test "$SUP" = 00020001
check "an unknown log page is refused" sh -c "! nvme get-log /dev/$DC --log-id=2 --log-len=512"

step "DIM (explicit registration)"
nvme dim -d "$DC" -t register; echo "  nvme dim rc=$?"
ctl a list-registrations
check "nvme dim registered the host NQN" \
    ctl_has a list-registrations "\"hostnqn\":\"$(nvme_ctrl_attr "$DC" hostnqn)\""
check "... with the connection's source address" ctl_has a list-registrations '"traddr":"127.0.0.1"'
if [ -x "$PROBE" ]; then
    "$PROBE" "$DC" vm-check-symname | sed 's/^/  /'
    check "project seam: DIM + supported log pages + log read" "$PROBE" "$DC" vm-check-symname
    check "... symbolic name recorded" ctl_has a list-registrations '"symname":"vm-check-symname"'
    check "... host ID recorded" ctl_has a list-registrations \
        "\"hostid\":\"$(nvme_ctrl_attr "$DC" hostid)\""
    check "... the seam read the log with PLEO and RAE=0 last" \
        ctl_has a list-connections '"last_lsp":2,"last_rae":false'
fi

step "DDC with a unique NQN (emulator B)"
# first as an I/O controller (no "discovery" option): the kernel asks for
# I/O queues, which a DC refuses
nvme connect -t tcp -a 127.0.0.1 -s 8010 -n nqn.2014-08.org.example:ddc-b -l 1 2>&1 | sed 's/^/  /'
check "an I/O controller connect to the DC fails" sh -c '! ls /sys/class/nvme | grep -q nvme1'
check "... the emulator refused its I/O queue connect" grep -q "connect for I/O queue 1 refused" "$RUN/b.log"
exec 3<> /dev/nvme-fabrics
echo "nqn=nqn.2014-08.org.example:ddc-b,transport=tcp,traddr=127.0.0.1,trsvcid=8010,discovery,hostnqn=$(nvme_ctrl_attr "$DC" hostnqn),hostid=$(nvme_ctrl_attr "$DC" hostid)" >&3
read -r REPLY <&3; exec 3>&-
echo "  fabrics reply: $REPLY"
DB=$(nvme_find_ctrl nqn.2014-08.org.example:ddc-b 8010)
for a in cntrltype dctype subsysnqn state; do echo "  $DB/$a=$(nvme_ctrl_attr "$DB" $a)"; done
check "discovery connect with B's unique NQN is live" is_live "$DB"
check "sysfs dctype=ddc, subsysnqn is the unique NQN" sh -c "[ \"$(nvme_ctrl_attr "$DB" dctype)\" = ddc ] && [ \"$(nvme_ctrl_attr "$DB" subsysnqn)\" = nqn.2014-08.org.example:ddc-b ]"
if [ -x "$PROBE" ]; then
    "$PROBE" "$DB" ddc-sym | sed 's/^/  /'
    check "project seam on a DDC without PLEO: lid70 0x00000001, log with LSP 0" \
        sh -c "\"$PROBE\" $DB ddc-sym | grep -q 'lid70: 0x00000001' && \"$PROBE\" $DB ddc-sym | grep -q 'log: lsp=0 numrec=1'"
fi

step "malformed log pages"
ctl a malform '{"modes":["genctr-churn"]}'
check "genctr-churn: nvme discover gives up" sh -c "! nvme discover -t tcp -a 127.0.0.1 -s 8009"
ctl a malform '{"modes":["space-padding","traddr-comma"]}'
nvme discover -t tcp -a 127.0.0.1 -s 8009 2>&1 | grep -E "traddr|subnqn" | head -6
check "traddr-comma reaches the host verbatim" sh -c "nvme discover -t tcp -a 127.0.0.1 -s 8009 | grep -q 'hostnqn=nqn.evil'"
ctl a malform '{"modes":[]}'

step "stall: the host's keep alive times out, then it reconnects"
ctl a stall '{"on":true}'
check "stalled DC: the host leaves live (keep alive timeout)" wait_for 30 not_live "$DC"
ctl a stall '{"on":false}'
check "answering again: the host reconnects" wait_for 30 is_live "$DC"
check "reconnect -> uevent NVME_EVENT=rediscover" wait_for 5 grep -q "NVME_EVENT=rediscover" "$UEVENT_LOG"

step "drop-connections: the host reconnects"
ctl a drop-connections
check "after drop-connections the DC is live again" wait_for 30 sh -c "grep -c NVME_EVENT=rediscover $UEVENT_LOG | grep -q '^[2-9]' && [ \"\$(cat /sys/class/nvme/$DC/state)\" = live ]"

step "teardown"
nvme disconnect -d "$DC" > /dev/null 2>&1
[ -n "${DB:-}" ] && nvme disconnect -d "$DB" > /dev/null 2>&1
check "disconnect ends the association (shutdown handshake)" wait_for 10 none_connected
uevent_stop
for p in $EMU_PIDS; do kill "$p" 2>/dev/null; done
wait
dmesg | grep -iE "nvme" | tail -40 | sed 's/^/  dmesg: /'
tail -30 "$RUN/a.log" | sed 's/^/  emu-a: /'
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
