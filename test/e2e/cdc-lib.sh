# shellcheck shell=bash
# cdc-lib.sh - helpers of the CDC scenarios (scenario-cdc.sh,
# scenario-cdc-faults.sh), sourced INSIDE the guest after e2e-lib.sh: DC
# emulators (test/dc-emulator/README.md), questions to their control
# sockets, stafd/stacd views and the stafd log.
#
# the emulators' answers and `stacctl --json` are JSON: python3 (a meson
# dependency, so present wherever the project builds) reads them.
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

# emu_start NAME PORT ARGS...: one DC emulator on 127.0.0.1:PORT, control
# socket $E2E_RUN/NAME.sock, stderr in $E2E_RUN/emu-NAME.log (printed by
# e2e_finish on failure); returns once it listens
emu_start() {
	local name=$1 port=$2
	shift 2
	"$DC_EMU" --address 127.0.0.1 --port "$port" --control "$E2E_RUN/$name.sock" \
		--die-with-parent "$@" > "$E2E_RUN/emu-$name.out" 2> "$E2E_RUN/emu-$name.log" &
	wait_for 10 grep -q READY "$E2E_RUN/emu-$name.out"
}
emuctl() {   # NAME OP [JSON]
	local name=$1
	shift
	"$DC_EMUCTL" --socket "$E2E_RUN/$name.sock" "$@"
}
# reg_is NAME KEY VALUE: emulator NAME has exactly one registration and its
# KEY is VALUE ("None": absent / JSON null)
reg_is() {
	emu_q "$1" list-registrations \
		"len(regs) == 1 and str(regs[0].get('$2')) == sys.argv[2]" "$3" 2>&1 ||
		{ emuctl "$1" list-registrations; return 1; }
}
# emu_q NAME OP PYEXPR [ARG...]: ask emulator NAME (OP), evaluate PYEXPR
# over the answer r (live = its live connections, regs = its registrations,
# sys.argv[2:] = ARGs); prints the value, true if it is
emu_q() {
	local out expr
	out=$(emuctl "$1" "$2") || return 1
	expr=$3
	shift 3
	printf '%s' "$out" | $PY -c '
import json, sys
r = json.load(sys.stdin)
live = [c for c in r.get("connections", []) if c.get("live")]
regs = r.get("registrations", [])
v = eval(sys.argv[1])
print(repr(v))
sys.exit(0 if v else 1)' "$expr" "$@"
}
# entry SUBNQN TRSVCID [MORE JSON MEMBERS]: a log entry for 127.0.0.1
entry() {
	printf '{"traddr":"127.0.0.1","trsvcid":"%s","subnqn":"%s"%s}' "$2" "$1" "${3:+,$3}"
}
# json_list ITEM...: "[ITEM,ITEM...]"
json_list() {
	local IFS=,
	echo "[$*]"
}

# ctl_info CTL KEY VALUE PYEXPR: the detailed view (CTL --json ls -d) of
# the one controller whose KEY is VALUE as c; prints the value, true if it is
ctl_info() {
	local out
	out=$("$1" --json ls -d) || return 1
	printf '%s' "$out" | $PY -c '
import json, sys
cs = [c for c in json.load(sys.stdin) if c.get(sys.argv[1]) == sys.argv[2]]
if len(cs) != 1:
    print("controllers with %s=%s: %d" % (sys.argv[1], sys.argv[2], len(cs)))
    sys.exit(1)
c = cs[0]
v = eval(sys.argv[3])
print(repr(v), "|", c.get("connect attempts"), c.get("retry connect timer"))
sys.exit(0 if v else 1)' "$2" "$3" "$4"
}
ioc_info() { ctl_info "$STACCTL" subsysnqn "$1" "$2"; }   # NQN PYEXPR (stacd)
dc_info() { ctl_info "$STAFCTL" trsvcid "$1" "$2"; }      # TRSVCID PYEXPR (stafd)
all_live() {   # TRSVCID NQN...: every one has a live I/O controller
	local s=$1 q
	shift
	for q in "$@"; do
		ioc_live "$q" "$s" || { echo "not live: $q at $s"; return 1; }
	done
}
dc_gone() {   # TRSVCID: no discovery controller to 127.0.0.1:TRSVCID at all
	! ctrl_rows discovery | awk -v s="$1" '$3 == s { f = 1 } END { exit !f }'
}
stafctl_lists() { "$STAFCTL" ls | grep -q -- "$1"; }        # PATTERN
stafctl_lacks() { ! "$STAFCTL" ls | grep -q -- "$1"; }       # PATTERN
adlp_lists() { "$STAFCTL" adlp | grep -q -- "$1"; }          # PATTERN
adlp_lacks() { ! "$STAFCTL" adlp | grep -q -- "$1"; }        # PATTERN

# SPEC 5: no string from a log entry reaches the kernel unchecked.  every
# controller's address is one of ours, its NQNs plain, its host NQN ours
kernel_strings_clean() {
	local c a q h bad=0
	local want_host
	want_host=$(cat /etc/nvme/hostnqn)
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/address" ] || continue
		a=$(cat "$c/address")
		q=$(cat "$c/subsysnqn")
		h=$(cat "$c/hostnqn")
		echo "${c##*/}: $a | $q | $h"
		[[ $a =~ ^traddr=127\.0\.0\.1,trsvcid=[0-9]+(,src_addr=127\.0\.0\.1)?$ ]] || bad=1
		[[ $q =~ ^nqn\.[A-Za-z0-9.:-]+$ ]] || bad=1
		[ "$h" = "$want_host" ] || bad=1
	done
	[ $bad = 0 ]
}

# the stafd log from a mark on: log_mark prints the current line count
log_mark() { wc -l < "$E2E_RUN/$1.log"; }                   # DAEMON
log_since() {   # DAEMON MARK ERE: the matching lines after MARK (true if any)
	tail -n +$(($2 + 1)) "$E2E_RUN/$1.log" | grep -E -- "$3"
}
log_count_since() { log_since "$@" | wc -l; }               # DAEMON MARK ERE
# milliseconds CMD... takes (its output discarded)
elapsed_ms() {
	local t0
	t0=$(date +%s%N)
	"$@" > /dev/null 2>&1
	echo $((($(date +%s%N) - t0) / 1000000))
}

# the daemons' and emulators' logs into the run's shared directory (kept on
# the host under $NVME_QEMU_CACHE/run.*), for a look after the guest is gone
cdc_save_logs() {
	[ -n "${VM_OUT:-}" ] && [ -d "$VM_OUT" ] || return 0
	mkdir -p "$VM_OUT/e2e-logs" && cp "$E2E_RUN"/*.log "$VM_OUT/e2e-logs/" 2>/dev/null
	dmesg > "$VM_OUT/e2e-logs/dmesg.txt" 2>&1
	return 0
}
