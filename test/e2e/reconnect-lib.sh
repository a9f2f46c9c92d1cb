# shellcheck shell=bash
# reconnect-lib.sh - helpers of the reconnect, dead-target and bad-config
# scenarios, sourced INSIDE the guest after e2e-lib.sh: the DC emulator, a
# dense sysfs poller, and small readers of the daemons' and the emulator's
# answers.

# ---- the DC emulator ------------------------------------------------------

# emu_start NAME PORT ARGS...: one nvme-dc-emu on 127.0.0.1:PORT with its
# control socket at $E2E_RUN/NAME.sock and its log in $E2E_RUN/NAME.log
emu_start() {
	local name=$1 port=$2
	shift 2
	"$DC_EMU" --address 127.0.0.1 --port "$port" --control "$E2E_RUN/$name.sock" \
		--die-with-parent "$@" > "$E2E_RUN/$name.out" 2> "$E2E_RUN/$name.log" &
	wait_for 10 grep -q READY "$E2E_RUN/$name.out"
}
emuctl() {   # NAME OP [JSON]
	local name=$1
	shift
	"$DC_EMUCTL" --socket "$E2E_RUN/$name.sock" "$@"
}
# emu_entry SUBNQN [TRADDR [TRSVCID [LOCAL]]]: one log entry (JSON)
emu_entry() {
	printf '{"traddr":"%s","trsvcid":"%s","subnqn":"%s","local":%s}' \
		"${2:-127.0.0.1}" "${3:-4420}" "$1" "${4:-true}"
}
# the emulator's answers are one line of JSON; its arrays hold flat objects
# json_objs: the objects of the (one) array of the answer on stdin, one a line
json_objs() { sed 's/^[^[]*\[//; s/\][^]]*$//; s/},{/}\n{/g'; }
# json_field KEY: the value of KEY in the object on stdin (strings unquoted)
json_field() { grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -n1 | cut -d: -f2- | tr -d '"'; }
# emu_dim_count NAME: DIM commands the emulator has taken, all hosts
emu_dim_count() { emuctl "$1" list-registrations | json_field dim_count; }
emu_dim_above() { [ "$(emu_dim_count "$1")" -gt "$2" ]; }   # NAME N
# emu_registrations NAME: one line per registration: hostnqn hostid symname count
emu_registrations() {
	local o
	emuctl "$1" list-registrations | json_objs | grep '"hostnqn"' | while read -r o; do
		echo "$(json_field hostnqn <<< "$o") $(json_field hostid <<< "$o")" \
			"$(json_field symname <<< "$o") $(json_field count <<< "$o")"
	done
}
# emu_conn NAME CNTLID FIELD: FIELD of the live association with that controller ID
emu_conn() {
	local o
	o=$(emuctl "$1" list-connections | json_objs | grep "\"live\":true,\"cntlid\":$2,") ||
		return 1
	json_field "$3" <<< "$o"
}

# ---- sysfs ----------------------------------------------------------------

dc_dev() { nvme_find_ctrl "$DISC_NQN" "${1:-8009}"; }   # [TRSVCID]: e.g. nvme0
dc_count() { [ "$(ctrl_rows discovery | wc -l)" = "$1" ]; }
# every controller in RC_SNAP: ";name subsysnqn cntlid state;..." (bash
# builtins only: a fork costs milliseconds under TCG and the poller must be
# dense without eating the guest's one CPU)
rc_snapshot() {
	local c q i st
	RC_SNAP=";"
	for c in /sys/class/nvme/nvme*; do
		{ read -r q < "$c/subsysnqn" && read -r i < "$c/cntlid" && read -r st < "$c/state"; } \
			2>/dev/null || continue
		RC_SNAP+="${c##*/} $q $i $st;"
	done
}
# ioc_token NQN TRSVCID: what the poller prints for that live controller now
ioc_token() {
	local c
	c=$(nvme_find_ctrl "$1" "$2") || return 1
	echo ";$c $1 $(nvme_ctrl_attr "$c" cntlid) live;"
}
RC_POLLER=
rc_poll_start() {   # FILE: sample sysfs every 50 ms into FILE
	local f=$1
	rm -f "$E2E_RUN/poll.fifo"
	mkfifo "$E2E_RUN/poll.fifo" || return 1
	(
		# the pause: a read that times out on a fifo nobody writes (no fork)
		exec 9<> "$E2E_RUN/poll.fifo"
		while :; do
			read -r u _ < /proc/uptime
			rc_snapshot
			echo "$u $RC_SNAP"
			read -r -t 0.05 -u 9 _
		done
	) > "$f" 2>&1 &
	RC_POLLER=$!
}
rc_poll_stop() {
	[ -n "$RC_POLLER" ] || return 0
	kill "$RC_POLLER" 2>/dev/null
	wait "$RC_POLLER" 2>/dev/null
	RC_POLLER=
}
# poll_kept FILE TOKEN...: every sample holds every token (the same controller,
# same controller ID, live); prints the first sample that does not
poll_kept() {
	local f=$1
	shift
	[ -s "$f" ] || { echo "no samples in $f"; return 1; }
	awk -v toks="$(printf '%s\n' "$@")" '
		BEGIN { n = split(toks, t, "\n") }
		{
			for (i = 1; i <= n; i++)
				if (t[i] != "" && index($0, t[i]) == 0) {
					print "sample " NR " lacks \"" t[i] "\": " $0
					bad = 1
					exit
				}
		}
		END { exit bad }' "$f"
}
# poll_lost FILE PATTERN: some sample does not contain PATTERN (fixed string)
poll_lost() { awk -v p="$2" 'index($0, p) == 0 { found = 1; exit } END { exit !found }' "$1"; }

# ---- the daemons ----------------------------------------------------------

# log_has DAEMON TEXT: the daemon's log has the fixed string TEXT
log_has() { grep -qF -- "$2" "$E2E_RUN/$1.log"; }
log_count() { grep -cF -- "$2" "$E2E_RUN/$1.log"; }   # DAEMON TEXT
# ms CMD...: run CMD, print how long it took in milliseconds (its output dropped)
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" > /dev/null 2>&1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
# a copy of the daemons' and emulators' logs in the run's shared directory
# (kept on the host: run-vm.sh's VM_OUT), for a look after the guest is gone
rc_keep_logs() {
	[ -n "${VM_OUT:-}" ] && [ -d "$VM_OUT" ] || return 0
	cp "$E2E_RUN"/*.log "$VM_OUT"/ 2>/dev/null
	echo "  logs kept in $VM_OUT"
}
