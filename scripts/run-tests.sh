#!/bin/sh
# the README's test command: install what the tests need, build, and run
# every test tier that exists.  exits non-zero if anything fails; a tier
# that cannot run here is a failure, never a silent skip.
#
#   scripts/run-tests.sh            everything (what .ci/run calls)
#   STAS_FUZZ_SECONDS=300 scripts/run-tests.sh   longer fuzz runs
#
# build directories: build-ci (gcc, werror), build-asan (clang, ASan+UBSan),
# build-fuzz (clang, libFuzzer); all under the source tree, git-ignored.
set -eu

cd "$(dirname "$0")/.."
SRC=$(pwd)
FUZZ_SECONDS=${STAS_FUZZ_SECONDS:-30}
failed=""

step() {
	printf '\n=== %s ===\n' "$*"
}

run() {
	# run a step; remember its name if it fails, keep going
	name=$1
	shift
	if ! "$@"; then
		echo "*** FAILED: $name" >&2
		failed="$failed $name"
	fi
}

setup() {
	dir=$1
	shift
	if [ -d "$dir/meson-private" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

step "dependencies"
if [ "$(id -u)" -eq 0 ]; then
	"$SRC/scripts/install-deps.sh"
	# qemu, nvme-cli, udev and the pinned guest kernel of the e2e tier
	"$SRC/scripts/setup-e2e.sh"
else
	echo "run-tests: not root, cannot install packages; trying with what is installed" >&2
fi

step "build (gcc, werror)"
setup build-ci -Dwerror=true -Dbuildtype=debugoptimized
ninja -C build-ci

step "unit tier"
run unit meson test -C build-ci --suite unit --print-errorlogs

# the daemons on a private bus with the fake kernel; what meson installs; the .deb
for suite in bus integration install package; do
	step "$suite tier"
	if meson test -C build-ci --list --suite "$suite" 2>/dev/null | grep -q " / "; then
		run "$suite" meson test -C build-ci --suite "$suite" --print-errorlogs
	else
		echo "*** FAILED: the $suite tier has no tests in this build" >&2
		failed="$failed $suite"
	fi
done

step "e2e tier (qemu guest, real kernel)"
if meson test -C build-ci --list --suite e2e 2>/dev/null | grep -q " / "; then
	run e2e meson test -C build-ci --suite e2e --print-errorlogs
else
	echo "*** FAILED: the e2e tier has no tests in this build" >&2
	failed="$failed e2e"
fi

step "unit tier under valgrind"
run unit-valgrind meson test -C build-ci --suite unit --print-errorlogs \
	--wrap='valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes' \
	--timeout-multiplier=10

# the daemons themselves under memcheck, for a short scenario: a few bus and
# integration cases (the fixture puts STAS_TEST_DAEMON_WRAPPER before each
# daemon's command).  an error or a definite leak makes a daemon exit 99 at
# the SIGTERM that ends its case, which fails the case.  "unprivileged"
# calls every D-Bus method of both daemons.
step "daemons under valgrind (a short scenario)"
VALGRIND_DAEMONS="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes"
VALGRIND_CASES="unprivileged
stafd-integration-dc-connects-and-serves-log
stafd-integration-reload-adds-and-removes
stafd-integration-restart-serves-state-before-reconnect
stacd-integration-dlpes-connect-iocs
stacd-integration-dlpe-removed-disconnects
stacd-integration-stacd-restart-remembers-owned"
# meson runs nothing, successfully, for a name it does not know
all_tests=$(meson test -C build-ci --list 2>/dev/null || true)
missing=""
for c in $VALGRIND_CASES; do
	printf '%s\n' "$all_tests" | grep -q " / $c\$" || missing="$missing $c"
done
if [ -n "$missing" ]; then
	echo "*** FAILED: daemons-valgrind: no such test:$missing" >&2
	failed="$failed daemons-valgrind"
else
	# shellcheck disable=SC2086
	run daemons-valgrind env STAS_TEST_DAEMON_WRAPPER="$VALGRIND_DAEMONS" \
		STAS_TEST_TIMEOUT_SCALE=4 \
		meson test -C build-ci --print-errorlogs --timeout-multiplier=4 $VALGRIND_CASES
fi

step "build (clang, ASan+UBSan, werror)"
CC=clang setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all
ninja -C build-asan

step "unit tier under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run unit-asan meson test -C build-asan --suite unit --print-errorlogs

# the daemons built with the sanitizers too: an error aborts a daemon
# (abort_on_error), which fails its case at once; a leak LeakSanitizer finds
# at exit makes the SIGTERM that ends the case exit non-zero, which fails it.
# the daemons are slower: the cases' bounded waits are doubled
for suite in bus integration; do
	step "$suite tier under ASan+UBSan"
	run "$suite-asan" env STAS_TEST_TIMEOUT_SCALE=2 \
		meson test -C build-asan --suite "$suite" --print-errorlogs --timeout-multiplier=2
done

step "fuzz tier (${FUZZ_SECONDS}s per target)"
CC=clang setup build-fuzz -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all
ninja -C build-fuzz
run fuzz "$SRC/test/fuzz/run-fuzz.sh" "$SRC/build-fuzz" "$FUZZ_SECONDS"

step "summary"
echo "tiers run: unit (gcc, valgrind, ASan+UBSan), bus and integration (gcc, ASan+UBSan;" \
	"a short scenario with the daemons under valgrind), install, package, e2e, fuzz"
if [ -n "$failed" ]; then
	echo "FAILED:$failed" >&2
	exit 1
fi
echo "all tiers passed"
