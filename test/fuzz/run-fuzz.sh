#!/bin/sh
# run every fuzz target of a -Dfuzz=true build for a bounded time, starting
# from its seed corpus (copied to a scratch dir so new inputs stay out of
# the tree).  a crash, leak or timeout fails the run; the reproducer is
# left in the scratch dir and its path printed.
#
#   test/fuzz/run-fuzz.sh BUILD_DIR [SECONDS_PER_TARGET]
set -eu

build=$1
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/stas-fuzz.XXXXXX)
status=0
count=0

for target in "$build"/test/fuzz/fuzz-*; do
	# meson keeps objects in fuzz-<name>.p/ directories: only executables count
	[ -f "$target" ] && [ -x "$target" ] || continue
	name=$(basename "$target" | sed 's/^fuzz-//')
	seeds="$here/corpus/$name"
	if [ ! -d "$seeds" ]; then
		echo "run-fuzz: $name has no seed corpus at $seeds" >&2
		status=1
		continue
	fi
	mkdir -p "$scratch/$name"
	cp -r "$seeds"/. "$scratch/$name/"
	count=$((count + 1))
	printf 'run-fuzz: %-12s %ss ... ' "$name" "$seconds"
	if (cd "$scratch" && ASAN_OPTIONS=detect_leaks=1 "$target" -max_total_time="$seconds" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$scratch/$name" \
		>"$scratch/$name.log" 2>&1); then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$name.log")
		echo "clean (${runs:-?} runs)"
	else
		echo "FAILED (log: $scratch/$name.log)"
		tail -40 "$scratch/$name.log" >&2
		status=1
	fi
done

if [ "$count" -eq 0 ]; then
	echo "run-fuzz: no fuzz targets found in $build/test/fuzz" >&2
	exit 1
fi
[ "$status" -eq 0 ] && rm -rf "$scratch"
exit $status
