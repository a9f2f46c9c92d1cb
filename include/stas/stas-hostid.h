/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-hostid: host identity for stasadm (REFERENCE 4.4) and the host NQN
 * check of sys.conf (REFERENCE 2.3).
 *
 * the host NQN's UUID comes from the first usable of: /etc/machine-id
 * (keyed hash, never the raw id), the SMBIOS product UUID, the POWER
 * partition UUID, a random UUID.  the host ID is always random.  every
 * path is a parameter.  thread-safe; only stas_hostnqn_generate() reads
 * files.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STAS_HOSTNQN_UUID_PREFIX "nqn.2014-08.org.nvmexpress:uuid:"
#define STAS_HOSTNQN_MAX_LEN	 223
#define STAS_UUID_STR_LEN	 36

/* where the host NQN sources live; a NULL path skips that source */
typedef struct {
	const char *machine_id;	    /* /etc/machine-id */
	const char *product_uuid;   /* /sys/class/dmi/id/product_uuid */
	const char *partition_uuid; /* /proc/device-tree/ibm,partition-uuid */
} StasHostIdPaths;

/* the real system paths above */
const StasHostIdPaths *stas_hostid_default_paths(void);

typedef enum {
	STAS_HOSTNQN_FROM_MACHINE_ID,
	STAS_HOSTNQN_FROM_PRODUCT_UUID,
	STAS_HOSTNQN_FROM_PARTITION_UUID,
	STAS_HOSTNQN_FROM_RANDOM,
} StasHostNqnSource;

/* "machine-id", "product_uuid", "ibm,partition-uuid", "random" */
const char *stas_hostnqn_source_to_string(StasHostNqnSource source);

/*
 * "nqn.2014-08.org.nvmexpress:uuid:<uuid>".  a source that is missing,
 * short or not a usable UUID is skipped; one that exists but cannot be
 * read stops the search (STAS_ERROR_PERMISSION, e.g. product_uuid without
 * root, or STAS_ERROR_IO) so a stable identity is never silently replaced
 * by a random one.  source (optional) tells which one was used.
 */
char *stas_hostnqn_generate(const StasHostIdPaths *paths, StasHostNqnSource *source,
			    GError **error);

/* a random (version 4) UUID, lowercase: the host ID */
char *stas_hostid_generate(void);

/*
 * the machine-id derivation: the first 32 characters of machine_id as 128
 * bit hex, HMAC-SHA256 keyed with "$nvmexpress.org$", first 16 bytes,
 * version 4 and RFC 4122 variant forced.  NULL if not 32 hex digits or all
 * zero (systemd's "no machine id").
 */
char *stas_uuid_from_machine_id(const char *machine_id);

/*
 * the first 36 characters of an SMBIOS product UUID with its first three
 * groups byte-swapped to network order.  NULL if not a UUID, or all 00 or
 * all FF (SMBIOS: "not present").
 */
char *stas_uuid_from_product_uuid(const char *product_uuid);

/* 8-4-4-4-12 hex digits, any case, nothing else */
gboolean stas_uuid_is_valid(const char *text);

/*
 * sys.conf rule for a host NQN: starts with "nqn." and is at most 223
 * bytes; the error messages are upstream's.
 */
gboolean stas_hostnqn_validate(const char *nqn, GError **error);

G_END_DECLS
