# shellcheck shell=bash
# nbft-lib.sh - the NBFT of scenario-nbft.sh: one source for the values that
# nbft-preboot.sh writes into the table (on the host, before the boot) and
# that the scenario expects in the guest.
# shellcheck disable=SC2034  # used by the scripts that source this file

# the firmware's host identity ("NBFT" in the first four bytes of the ID)
NBFT_HOST_ID=4e424654-0007-4000-8000-000000000007
NBFT_HOST_NQN=nqn.2014-08.org.nvmexpress:uuid:$NBFT_HOST_ID
# the boot subsystem (the SSNS) and the discovery controller
NBFT_BOOT_NQN=nqn.2014-08.org.example:stas-nbft-boot
NBFT_BOOT_TRSVCID=4420
NBFT_DC_TRSVCID=8009
NBFT_FILE=NBFT.bin   # in VM_OUT

# nbft_write_table NBFT_GEN FILE
nbft_write_table() {
	"$1" --host-nqn "$NBFT_HOST_NQN" --host-id "$NBFT_HOST_ID" --hfi-ip 127.0.0.1/8 \
		--ssns "traddr=127.0.0.1;trsvcid=$NBFT_BOOT_TRSVCID;subsysnqn=$NBFT_BOOT_NQN" \
		--discovery "uri=nvme+tcp://127.0.0.1:$NBFT_DC_TRSVCID/" -o "$2"
}
