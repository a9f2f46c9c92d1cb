#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# runs test-unprivileged (the privilege boundary on the bus) as a user that
# exists only for the run: a system user with a group of its own and no
# home, created here and removed at the end, whatever happens (the test
# fails, is interrupted, or meson's timeout terminates it).  needs root: a
# run as anyone else fails, it does not skip.
#
# test-unprivileged.sh TEST-PROGRAM [ARGS...]
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 TEST-PROGRAM [ARGS...]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL: test-unprivileged needs root (it creates a test user with useradd)" >&2
	exit 1
fi
for tool in useradd userdel setpriv timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL: $tool is not installed" >&2
		exit 1
	fi
done

# users of earlier runs that were killed before they could clean up
getent passwd | cut -d: -f1 | grep -E '^stas-unpriv-[0-9]+$' | while read -r old; do
	if ! kill -0 "${old#stas-unpriv-}" 2>/dev/null; then
		echo "removing the test user $old of a run that was killed"
		userdel --force "$old" 2>/dev/null
		! getent group "$old" >/dev/null || groupdel "$old"
	fi
done

user="stas-unpriv-$$"
created=""

cleanup() {
	local _
	[ -n "$created" ] || return 0
	# the client runs as the user: give a killed one a moment to go
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		userdel "$user" 2>/dev/null && break
		sleep 0.5
	done
	if getent passwd "$user" >/dev/null; then
		userdel --force "$user" || echo "FAIL: cannot remove the test user $user" >&2
	fi
	if getent group "$user" >/dev/null; then
		groupdel "$user" || echo "FAIL: cannot remove the test group $user" >&2
	fi
	if getent passwd "$user" >/dev/null || getent group "$user" >/dev/null; then
		return 1
	fi
	echo "test user $user removed"
}

finish() {
	local rc=$?
	trap - EXIT
	cleanup || rc=1
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin --comment "nvme-stas privilege test" "$user"; then
	echo "FAIL: useradd $user failed" >&2
	exit 1
fi
created=yes
echo "test user $user: $(id "$user")"

STAS_TEST_UNPRIV_USER=$user "$@"
