#!/bin/bash
# nbft-preboot.sh BUILD_DIR VM_OUT - the e2e-preboot of scenario-nbft.sh
# (run-scenario.sh runs it on the host before the boot): writes the NBFT with
# the build's nbft-gen into VM_OUT and hands it to qemu as an ACPI table.
set -euo pipefail
# shellcheck source=nbft-lib.sh
. "$(dirname "$0")/nbft-lib.sh"
gen=$1/test/e2e/nbft-gen
[ -x "$gen" ] || { echo "nbft-preboot: $gen not built" >&2; exit 1; }
nbft_write_table "$gen" "$2/$NBFT_FILE"
echo "VM_QEMU_EXTRA=-acpitable file=$2/$NBFT_FILE"
