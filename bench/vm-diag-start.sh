#!/bin/bash
# bench/vm-diag-start.sh BUILD - runs INSIDE the guest: where a daemon's start
# goes under TCG (a diagnosis for RESULTS.md, no figures): the dynamic
# loader's statistics, a CPU profile of stafd's first 2 s (perf, cpu-clock),
# the same for a second start, and the CLI's.
set -u
BUILD=$(cd "${1:?usage: $0 BUILD}" && pwd)
# shellcheck source=vm-lib.sh
. "$(dirname "$0")/vm-lib.sh"
e2e_boot
printf '[Service Discovery]\nzeroconf=disabled\n' | e2e_conf stafd
mkdir -p /run/stafd
for i in 1 2; do
	step "start $i: LD_DEBUG=statistics"
	LD_DEBUG=statistics RUNTIME_DIRECTORY=/run/stafd timeout 2 "$STAFD" 2>&1 | grep -E 'startup time|relocation|load' | head -8
done
step "perf: stafd, 2 s from exec"
cd /tmp && RUNTIME_DIRECTORY=/run/stafd perf record -q -e cpu-clock -F 4000 -g -o /tmp/perf.data -- timeout 2 "$STAFD" > /dev/null 2>&1
perf report -i /tmp/perf.data --no-children --stdio -g none --sort dso 2>/dev/null | grep '%' | head -15
perf report -i /tmp/perf.data --no-children --stdio -g none --sort sym 2>/dev/null | grep '%' | head -25
step "time of 5 starts to --version"
for i in 1 2 3 4 5; do t=$EPOCHREALTIME; "$STAFD" --version > /dev/null; echo "stafd --version $(calc "($EPOCHREALTIME - $t) * 1000" %.0f) ms"; done
for i in 1 2 3; do t=$EPOCHREALTIME; "$STAFCTL" --version > /dev/null; echo "stafctl --version $(calc "($EPOCHREALTIME - $t) * 1000" %.0f) ms"; done
for i in 1 2 3; do t=$EPOCHREALTIME; /bin/true; echo "true $(calc "($EPOCHREALTIME - $t) * 1000" %.0f) ms"; done
check "done" true
e2e_finish
