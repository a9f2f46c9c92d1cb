#!/bin/sh
# what the e2e tier and the demo need besides the build dependencies: qemu,
# busybox, nvme-cli, udev ... and the pinned Debian kernel for the test guest
# (downloaded into $NVME_QEMU_CACHE, default /tmp/nvme-qemu; not installed).
# idempotent.  run as root.
set -eu
exec "$(dirname "$0")/../test/e2e/setup-host.sh" "$@"
