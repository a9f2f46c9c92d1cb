#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# the harness notices a daemon that leaks: the daemons of a bus case that
# passes are given a known leak (leak-on-load.so, preloaded: 4096 bytes
# allocated and dropped at load), and the case must then fail because the
# daemon did not exit 0 at its SIGTERM, with the leak checker's report,
# naming the leaking function, in the daemon's log.
#   asan:     the ASan+UBSan build: LeakSanitizer at the daemon's exit;
#   valgrind: any other build: the daemon under valgrind memcheck, as
#             scripts/run-tests.sh runs a few cases.
#
# test-leak-detected.sh asan|valgrind LEAK-LIB TEST-PROGRAM CASE
set -u

if [ $# -ne 4 ]; then
	echo "usage: $0 asan|valgrind LEAK-LIB TEST-PROGRAM CASE" >&2
	exit 2
fi
mode=$1 lib=$2 prog=$3 case_name=$4

case $mode in
asan)
	wrapper="env LD_PRELOAD=$lib"
	report="ERROR: LeakSanitizer: detected memory leaks"
	;;
valgrind)
	if ! command -v valgrind >/dev/null; then
		echo "FAIL: valgrind is not installed (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
	wrapper="env LD_PRELOAD=$lib valgrind --quiet --error-exitcode=99 --leak-check=full"
	wrapper="$wrapper --errors-for-leak-kinds=definite --show-leak-kinds=definite"
	report="definitely lost"
	;;
*)
	echo "FAIL: unknown mode $mode" >&2
	exit 2
	;;
esac

out=$(STAS_TEST_DAEMON_WRAPPER="$wrapper" "$prog" --case "$case_name" 2>&1)
rc=$?
# the fixture prints each log between "---- NAME log ----" and "---- end ----"
stafd_log=$(printf '%s\n' "$out" | sed -n '/^---- stafd log ----$/,/^---- end ----$/p')

failed=0
fail() {
	echo "FAIL: $*" >&2
	failed=1
}

[ "$rc" -ne 0 ] || fail "the case passed although stafd leaked"
printf '%s\n' "$out" | grep -q "stafd did not stop cleanly" ||
	fail "the case did not fail on stafd's exit status"
printf '%s\n' "$stafd_log" | grep -qF "$report" || fail "no \"$report\" in stafd's log"
printf '%s\n' "$stafd_log" | grep -q "stas_test_leak_on_load" ||
	fail "the report does not name the leaking function"
if [ "$failed" -ne 0 ]; then
	printf '%s\n' "---- output of $prog --case $case_name ----" "$out" >&2
	exit 1
fi
echo "a daemon that leaks fails the case ($mode): $(printf '%s\n' "$out" | grep -m1 'did not stop cleanly')"
