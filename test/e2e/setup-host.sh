#!/bin/bash
# setup-host.sh - everything the e2e tier needs on the host: the packages the
# guest runs (the guest runs the host's binaries) and Debian's own kernel for
# the qemu guest.  idempotent; needs root and Debian 12's apt repositories.
#
# the kernel is NOT installed: its .deb is fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` into $NVME_QEMU_CACHE/kernel/<abi> (no postinst,
# nothing written to /boot or /lib/modules).
#
# env: NVME_QEMU_CACHE  cache directory (default /tmp/nvme-qemu)
#      KPKG / KPKG_VERSION  override the pinned kernel package / version
set -euo pipefail
CACHE=${NVME_QEMU_CACHE:-/tmp/nvme-qemu}

# the pinned guest kernel: what bookworm's linux-image-amd64 pointed at when
# the tier was written.  a newer ABI is taken only if this one vanished from
# the archive, and then loudly.
KPKG_PIN=linux-image-6.1.0-57-amd64
KPKG_VERSION_PIN=6.1.192-3
KPKG=${KPKG:-$KPKG_PIN}
KPKG_VERSION=${KPKG_VERSION-$KPKG_VERSION_PIN}

# qemu + busybox (initramfs) + nvme-cli/kmod/iproute2 (target and host tools
# in the guest) + dbus-daemon and udev (the daemons' bus and uevents)
PKGS="qemu-system-x86 busybox-static nvme-cli kmod iproute2 dbus-daemon udev xz-utils zstd"

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host: must run as root" >&2
	exit 1
fi

apt_retry() {  # the dpkg lock may be held by another apt user: wait and retry
	local i
	for i in $(seq 1 24); do
		if DEBIAN_FRONTEND=noninteractive "$@"; then return 0; fi
		echo "setup-host: apt busy or failed, retry $i" >&2
		sleep 5
	done
	return 1
}

extract_vmlinux() {  # bzImage -> ELF vmlinux (xz, zstd or gzip payload)
	local in=$1 out=$2 pair magic cmd off
	for pair in '\xfd\x37\x7a\x58\x5a\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc' \
		'\x1f\x8b\x08\x00:gzip -dc'; do
		magic=${pair%%:*}
		cmd=${pair#*:}
		for off in $(LC_ALL=C grep -aboP "$magic" "$in" | cut -d: -f1); do
			tail -c +$((off + 1)) "$in" | $cmd > "$out.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup-host: installing:$missing"
	apt_retry apt-get update -qq
	# shellcheck disable=SC2086
	apt_retry apt-get install -y -qq --no-install-recommends $missing
fi

# download KPKG (at KPKG_VERSION when set) into $CACHE/dl
download() {
	local spec=$1
	rm -rf "$CACHE/dl"
	mkdir -p "$CACHE/dl"
	chmod 777 "$CACHE/dl"   # the _apt sandbox user writes here
	( cd "$CACHE/dl" && apt-get download -q "$spec" )
}

KVER=${KPKG#linux-image-}
KDIR=$CACHE/kernel/$KVER
if [ ! -e "$KDIR/.done" ]; then
	spec=$KPKG${KPKG_VERSION:+=$KPKG_VERSION}
	if ! download "$spec"; then
		apt_retry apt-get update -qq   # stale lists: refresh once
		if ! download "$spec" && ! download "$KPKG"; then
			NEW=$(apt-cache depends linux-image-amd64 2>/dev/null |
				awk '/Depends: linux-image-6\.1\.0-[0-9]+-amd64/{print $2; exit}')
			cat >&2 <<-EOF
			################################################################
			setup-host: WARNING: the pinned guest kernel $KPKG ($KPKG_VERSION)
			setup-host: is gone from the archive; falling back to ${NEW:-nothing}.
			setup-host: update KPKG_PIN in test/e2e/setup-host.sh.
			################################################################
			EOF
			[ -n "$NEW" ] || { echo "setup-host: no 6.1.0-*-amd64 kernel found" >&2; exit 1; }
			KPKG=$NEW
			KVER=${KPKG#linux-image-}
			KDIR=$CACHE/kernel/$KVER
			download "$KPKG"
		fi
	fi
	rm -rf "$KDIR"
	mkdir -p "$KDIR"
	dpkg-deb -x "$CACHE"/dl/"$KPKG"_*.deb "$KDIR"
	depmod -b "$KDIR" "$KVER"   # the .deb ships no modules.dep
	# uncompressed ELF vmlinux for PVH direct boot: skips SeaBIOS and the xz
	# decompression, ~3 s per boot under TCG
	extract_vmlinux "$KDIR/boot/vmlinuz-$KVER" "$KDIR/boot/vmlinux-$KVER" ||
		echo "setup-host: warning: no vmlinux extracted; run-vm.sh boots the bzImage" >&2
	rm -rf "$CACHE/dl"
	touch "$KDIR/.done"
fi
ln -sfn "$KVER" "$CACHE/kernel/current"
touch "$CACHE/vm.lock"
echo "setup-host: guest kernel $KDIR/boot/vmlinuz-$KVER"
