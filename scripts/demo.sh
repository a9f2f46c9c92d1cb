#!/bin/sh
# the README's demo command.  the demo boots a qemu guest with the real
# kernel NVMe/TCP target and runs stafd/stacd in it; it arrives with the
# end-to-end tier, which is not built yet.
echo "demo: not available yet: it comes with the end-to-end tier (daemons + VM harness)." >&2
echo "demo: run ./scripts/run-tests.sh to build libstas and run its tests." >&2
exit 2
