# shellcheck shell=bash
# faults-lib.sh - helpers of the fault scenarios (issue 7: dc-faults,
# kill-loop, connect-refused, dlpe-injection), sourced INSIDE the guest
# after e2e-lib.sh: the DC emulator, D-Bus latency probes, a sysfs sampler
# and its checks.
EF_LATENCY=$BUILD/test/e2e/e2e-bus-latency

# ---- the DC emulator ------------------------------------------------------

# ef_emu_start NAME PORT ARGS...: one nvme-dc-emu on 127.0.0.1:PORT, its
# control socket $E2E_RUN/NAME.sock, its log $E2E_RUN/NAME.log
ef_emu_start() {
	local name=$1 port=$2
	shift 2
	"$DC_EMU" --address 127.0.0.1 --port "$port" --control "$E2E_RUN/$name.sock" \
		--die-with-parent "$@" > "$E2E_RUN/$name.out" 2> "$E2E_RUN/$name.log" &
	wait_for 10 grep -q READY "$E2E_RUN/$name.out"
}
ef_emuctl() {   # NAME OP [JSON]
	local name=$1
	shift
	"$DC_EMUCTL" --socket "$E2E_RUN/$name.sock" "$@"
}
# ef_entry SUBNQN [TRADDR [TRSVCID]]: one log entry (JSON; the values are put
# in as they are: a caller wanting JSON escapes writes them itself)
ef_entry() {
	printf '{"traddr":"%s","trsvcid":"%s","subnqn":"%s"}' "${2:-127.0.0.1}" "${3:-4420}" "$1"
}
# ef_emu_lines NAME PATTERN: lines of the emulator's log matching PATTERN
ef_emu_lines() { grep -c -- "$2" "$E2E_RUN/$1.log"; }

# ---- D-Bus latency probes (e2e-bus-latency) -----------------------------------
# one process, one bus connection, every 200 ms a list_controllers(false)
# call to each daemon named (its main loop answers it) and a GetNameOwner to
# dbus-daemon itself ("bus": the reference without any daemon).  after
# ef_probes_stop: $E2E_RUN/lat-NAME.txt, lines "<CLOCK_MONOTONIC ms> <latency
# us> <guest stall us> <run-queue wait us> <busy us> ok", and
# $E2E_RUN/lat.sum, a summary line per target.  the daemon's share of a
# call, two ways (e2e-bus-latency.c says how they are measured): "own" =
# latency minus the whole-guest stalls and the run-queue waits of the call's
# threads; "busy" = the time the daemon's main loop was not free (its main
# thread on the CPU, or asleep anywhere but in poll).
EF_PROBES=
ef_probes_start() {   # stafd|stacd...
	local d n args=()
	for d in "$@"; do
		n=${d%d}
		args+=("$d" "org.nvmexpress.$n" "/org/nvmexpress/$n" "org.nvmexpress.$n"
			list_controllers '(false,)')
	done
	args+=(bus org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner
		'("org.freedesktop.DBus",)')
	"$EF_LATENCY" --interval-ms 200 --timeout-ms 5000 --out-dir "$E2E_RUN" "${args[@]}" \
		> "$E2E_RUN/lat.sum" 2> "$E2E_RUN/lat.err" &
	EF_PROBES=$!
	wait_for 10 grep -q READY "$E2E_RUN/lat.err"
}
ef_probes_stop() {   # the summary lines; status: every call answered
	local rc
	[ -n "$EF_PROBES" ] || return 1
	kill -TERM "$EF_PROBES"
	wait "$EF_PROBES"
	rc=$?
	EF_PROBES=
	cat "$E2E_RUN/lat.sum"
	return $rc
}
# ef_probe_get NAME KEY: a field of NAME's summary (calls ok failed p50_ms p99_ms
# max_ms own_p99_ms own_max_ms busy_p99_ms busy_max_ms stall_ms)
ef_probe_get() {
	awk -v n="$1" -v k="$2" '$1 == n { for (i = 2; i <= NF; i++) { split($i, kv, "=")
		if (kv[1] == k) print kv[2] } }' "$E2E_RUN/lat.sum"
}
# ef_now_ms: /proc/uptime in ms, the probes' clock
ef_now_ms() { local u; read -r u _ < /proc/uptime; echo $(( 10#${u/./} * 10 )); }
# ef_window NAME FROM_MS TO_MS: "calls failed max_ms own_max_ms busy_max_ms" of the calls
# started then
ef_window() {
	awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { n++; if ($6 != "ok") f++
			if ($2 > m) m = $2; if ($2 - $3 - $4 > o) o = $2 - $3 - $4; if ($5 > u) u = $5 }
		END { printf "%d %d %.1f %.1f %.1f\n", n, f, m / 1000, o / 1000, u / 1000 }' \
		"$E2E_RUN/lat-$1.txt"
}
# ef_all_answered_below NAME MS: every call answered; the daemon's share of the slowest,
# own and busy, below MS
ef_all_answered_below() {
	local calls failed max own busy
	calls=$(ef_probe_get "$1" calls)
	failed=$(ef_probe_get "$1" failed)
	max=$(ef_probe_get "$1" max_ms)
	own=$(ef_probe_get "$1" own_max_ms)
	busy=$(ef_probe_get "$1" busy_max_ms)
	echo "$1: calls=$calls failed=$failed max_ms=$max own_max_ms=$own busy_max_ms=$busy" \
		"(limit $2 ms)"
	[ "${calls:-0}" -gt 0 ] && [ "$failed" = 0 ] &&
		awk -v o="$own" -v b="$busy" -v l="$2" 'BEGIN { exit !(o < l && b < l) }'
}

# ---- sysfs sampler ----------------------------------------------------------
# one line per sample: "<uptime> ;name type subsysnqn cntlid state traddr,trsvcid;..."
# (bash builtins only: a fork costs milliseconds under TCG)
ef_snapshot() {
	local c q i st t a out=";"
	for c in /sys/class/nvme/nvme*; do
		{ read -r q < "$c/subsysnqn" && read -r i < "$c/cntlid" && read -r st < "$c/state" &&
			read -r t < "$c/cntrltype" && read -r a < "$c/address"; } 2>/dev/null || continue
		a=${a%,src_addr=*}
		out+="${c##*/} $t $q $i $st $a;"
	done
	echo "$out"
}
EF_SAMPLER=
ef_sampler_start() {   # FILE [INTERVAL_S]
	local f=$1 iv=${2:-0.1}
	(
		while :; do
			read -r u _ < /proc/uptime
			echo "$u $(ef_snapshot)"
			sleep "$iv"
		done
	) > "$f" 2> "$f.err" &   # stderr apart: a sample cut by the final kill writes an error there
	EF_SAMPLER=$!
}
ef_sampler_stop() {
	[ -n "$EF_SAMPLER" ] || return 0
	kill "$EF_SAMPLER"
	wait "$EF_SAMPLER" 2>/dev/null
	EF_SAMPLER=
}
# the sampler's records, one per line: "<sample#> name type subsysnqn cntlid state address"
ef_records() {
	awk '{ n = split(substr($0, index($0, ";")), r, ";")
		for (i = 1; i <= n; i++) if (r[i] != "") print NR, r[i] }' "$1"
}
# ef_no_duplicates FILE: in no sample do two controllers share subsysnqn, traddr and
# trsvcid (the host NQN is the same for all of them here)
ef_no_duplicates() {
	ef_records "$1" | awk '{ k = $1 " " $4 " " $7 }
		++seen[k] == 2 { print "duplicate in sample " $1 ": " $4 " " $7; bad = 1 }
		END { exit bad }'
}
# ef_iocs_never_lost FILE: an I/O controller once live stays there, live, with the same
# controller ID, in every later sample (no disconnect, no reconnect)
ef_iocs_never_lost() {
	ef_records "$1" | awk '
		$1 != cur { if (cur != "") check(); cur = $1; delete now }
		$3 == "io" { now[$2 " " $4 " " $5] = $6 }
		function check(  k, st) {
			for (k in live) {
				st = (k in now) ? now[k] : "gone"
				if (st != "live") { print "sample " cur ": " k " was live, now " st; bad = 1 }
			}
			for (k in now) if (now[k] == "live") live[k] = 1
		}
		END { check(); exit bad }'
}
ef_samples() { wc -l < "$1"; }

# ef_keep FILE...: copies for the host in $VM_OUT (run-vm.sh's shared directory), if any
ef_keep() { [ -n "${VM_OUT:-}" ] && [ -d "$VM_OUT" ] && cp "$@" "$VM_OUT/" 2>/dev/null; return 0; }
