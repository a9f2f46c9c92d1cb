#!/bin/sh
# install the build, test and run dependencies of nvme-stas on debian 12 (bookworm).
# idempotent: apt-get skips what is already there.  run as root.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root" >&2
	exit 1
fi

PKGS_BUILD="meson ninja-build pkg-config gcc clang libglib2.0-dev libglib2.0-dev-bin \
	libnvme-dev libudev-dev libavahi-client-dev libavahi-glib-dev libjson-glib-dev \
	libsystemd-dev libjson-c-dev libssl-dev"
PKGS_TEST="libcmocka-dev libclang-rt-14-dev llvm-14 dbus dbus-daemon iproute2 valgrind \
	clang-format avahi-daemon avahi-utils systemd groff-base build-essential dpkg-dev \
	debhelper fakeroot"

missing=""
for p in $PKGS_BUILD $PKGS_TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "install-deps: all packages present"
fi
