# shellcheck shell=bash
# bench/lib.sh - helpers shared by the bench scripts (sourced, host and guest).
#
# every figure is printed as one line "name value unit" on stdout; anything
# else (progress, notes) goes to stderr.  medians are taken over the runs
# of one script call.
BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_SRC=$(cd "$BENCH_HERE/.." && pwd)

# runs of each measurement (the issue asks for >= 3)
BENCH_RUNS=${BENCH_RUNS:-3}

bench_note() { echo "bench: $*" >&2; }
bench_die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

# emit NAME VALUE UNIT
emit() { printf '%s %s %s\n' "$1" "$2" "$3"; }

# median of the numbers given as arguments (the lower middle one when even)
median() {
	[ $# -gt 0 ] || {
		echo nan
		return
	}
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# calc EXPR: floating point arithmetic through awk ("%.3f" unless FMT is given)
calc() { awk "BEGIN { printf \"${2:-%.3f}\", $1 }"; }

# now_s: wall clock, seconds with microseconds
now_s() { echo "$EPOCHREALTIME"; }

# a process's memory from /proc/PID/status: rss_kb PID FIELD (VmRSS, VmHWM, RssAnon)
rss_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# cpu_s PID [user|sys]: CPU seconds of a process, all its threads (utime +
# stime, or one of them; stime includes the kernel work done in its system
# calls, e.g. a connect written to /dev/nvme-fabrics)
cpu_s() {
	local stat expr
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat "${2:-all}"
	# fields after "pid (comm) ": state=1 ... utime=12 stime=13; the mode is the last
	case ${!#} in
	user) expr=${12} ;;
	sys) expr=${13} ;;
	*) expr="${12} + ${13}" ;;
	esac
	calc "($expr) / $(getconf CLK_TCK)" "%.2f"
}

# the build directory: $BUILD, else the README's "build" in the source tree
bench_build() {
	local b=${1:-${BUILD:-$BENCH_SRC/build}}
	[ -d "$b" ] || bench_die "no build directory $b (meson setup build && ninja -C build)"
	(cd "$b" && pwd)
}

# the machine, for RESULTS.md
bench_machine() {
	echo "# host: $(uname -srm), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at $(date -u +%Y-%m-%dT%H:%MZ)"
}
