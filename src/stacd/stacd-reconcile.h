/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacd-reconcile: the pure parts of stacd's reconciliation (REFERENCE
 * 5.9.1, 5.9.2; SPEC B2, B7, Q21): stafd's get_all_log_pages(true) answer
 * turned into the discovered I/O controllers, and the decision of what
 * happens to a controller object that left the wanted set.
 *
 * stafd's answer is input like any other (SPEC section 5): the text is
 * bounded before json-glib sees it (size, nesting, number of values),
 * every count is bounded, only string members are read, and every TID is
 * checked with stas-validate before it can reach the kernel.  a bad entry
 * is skipped with a diagnostic naming the DC and the entry; nothing here
 * logs.
 *
 * threading: pure functions over immutable values; any thread.
 */
#pragma once

#include <glib.h>

#include "stas/stas-conf.h"
#include "stas/stas-tid.h"

G_BEGIN_DECLS

/* bounds on stafd's answer (the system bus carries at most 32 MiB per message) */
#define STACD_LOG_PAGES_MAX_BYTES   (32 * 1024 * 1024)
#define STACD_LOG_PAGES_MAX_DEPTH   6	    /* the format nests 4 deep */
#define STACD_LOG_PAGES_MAX_VALUES  2000000 /* JSON values: bounds parser memory */
#define STACD_LOG_PAGES_MAX_DCS	    4096
#define STACD_LOG_PAGES_MAX_ENTRIES 16384  /* per DC, as a discovery log */
#define STACD_LOG_PAGES_MAX_TOTAL   200000 /* entries in all */
#define STACD_DICT_MAX_KEYS	    64
#define STACD_DICT_MAX_VALUE	    4096 /* bytes of one string value */

typedef struct {
	/* StasTid* -> GHashTable* (char* -> char*, the entry as stafd sent it): the nvme
	 * entries, duplicates collapsed (the last one wins, REFERENCE 5.9.1) */
	GHashTable *entries;
	GPtrArray *diagnostics; /* char*, one per skipped item, naming it */
	guint n_dcs;		/* discovery controllers in the answer */
} StacdLogPages;

/*
 * parse stafd's get_all_log_pages(true) JSON text (len bytes, need not be
 * NUL-terminated): a list of {"discovery-controller": {...}, "log-pages":
 * [...]}.  the entries of subtype "nvme" become I/O controller TIDs
 * (stas_dlpe_map_to_tid) with host-traddr, host-iface and host-nqn of the
 * DC that listed them; defaults gives the sys.conf host NQN and
 * ignore-iface (its kind is ignored).  fails (STAS_ERROR_INVALID) only when
 * the text as a whole is unusable: too large, too deep, not JSON, not a
 * list.
 */
StacdLogPages *stacd_log_pages_parse(const char *json, gsize len, const StasTidDefaults *defaults,
				     GError **error);
void stacd_log_pages_free(StacdLogPages *pages);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StacdLogPages, stacd_log_pages_free)

/* the disconnect-trtypes bit of a transport; 0 for one that cannot be listed (loop) */
StasTrtype stacd_trtype_from_string(const char *transport);

/* what happens to a controller object that is no longer wanted */
typedef enum {
	STACD_REMOVAL_KEEP,	  /* stays in the table: stafd's set is not known (B2) */
	STACD_REMOVAL_FORGET,	  /* dropped from the table, the kernel connection stays */
	STACD_REMOVAL_DISCONNECT, /* dropped and disconnected */
} StacdRemoval;

typedef struct {
	StasDisconnectScope scope;
	StasTrtype trtypes;	/* disconnect-trtypes */
	const char *transport;	/* of the controller */
	gboolean owned;		/* stacd made the connection (its state file says so) */
	gboolean nbft;		/* a boot connection: an NBFT subsystem entry names it (B7) */
	gboolean serves_wanted; /* its kernel connection serves a wanted TID (Q21) */
	gboolean dlpe_unknown;	/* stafd's entries may want it (it came from them, or an
				 * audit adopted it) and stafd's set is not known right
				 * now (no answer since start: B2) */
} StacdRemovalCase;

/*
 * REFERENCE 5.9.2 with SPEC B2, B7 and Q21:
 * - an object from stafd's entries stays while stafd's set is unknown;
 * - a connection that serves a wanted TID is never disconnected;
 * - no-disconnect never disconnects;
 * - audit mode (all-connections-matching-disconnect-trtypes) disconnects
 *   whatever made the connection, when its transport is listed;
 * - only-stas-connections disconnects only what stacd made, never a boot
 *   (NBFT) connection; disconnect-trtypes does not apply there.
 */
StacdRemoval stacd_removal_decide(const StacdRemovalCase *c);

/* "keep", "forget", "disconnect" */
const char *stacd_removal_to_string(StacdRemoval removal);

G_END_DECLS
