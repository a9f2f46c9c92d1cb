/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-log: the log pages of the DC emulator: the discovery log page
 * (LID 0x70: 1024-byte header genctr/numrec/recfmt, then 1024-byte
 * entries), its Port Local Entries Only filter, the malformed variants a
 * test can ask for, and the Supported Log Pages log (LID 0x00).
 *
 * pure functions: thread-safe.
 */
#pragma once

#include <glib.h>

#include "dc-emu-entry.h"

G_BEGIN_DECLS

#define DCE_LID_SUPPORTED  0x00
#define DCE_LID_DISCOVERY  0x70
#define DCE_LOG_HEADER_LEN 1024
#define DCE_SUPPORTED_LEN  1024 /* 256 lid_support dwords */
#define DCE_LSP_PLEO	   0x02
#define DCE_LID_PLEOS	   0x02 /* of the LID-specific bits 31:16 of lid_support[0x70] */
#define DCE_NUMREC_OVER	   4	/* records numrec-over claims beyond the real ones */

/* malformed log pages, any combination (a test switches them on through the control socket) */
typedef enum {
	DCE_MALFORM_SPACE_PAD = 1 << 0,	   /* string fields padded with spaces, not NULs */
	DCE_MALFORM_NO_NUL = 1 << 1,	   /* string fields filled to their end with 'X' */
	DCE_MALFORM_TRADDR_COMMA = 1 << 2, /* ",hostnqn=nqn.evil=1" appended to traddr */
	DCE_MALFORM_NONPRINT = 1 << 3,	   /* a control byte appended to each string field */
	DCE_MALFORM_NUMREC_OVER = 1 << 4,  /* numrec DCE_NUMREC_OVER above the data */
	DCE_MALFORM_NUMREC_HUGE = 1 << 5,  /* numrec 2^64-1 */
	DCE_MALFORM_GENCTR_CHURN = 1 << 6, /* genctr changes on every read (dc-emu-state) */
	DCE_MALFORM_LOG_ERROR = 1 << 7,	   /* each read answered Internal Error (dc-emu-admin) */
	DCE_MALFORM_LOG_DROP = 1 << 8,	   /* connection closed mid-read (dc-emu-admin, -conn) */
} DceMalform;

#define DCE_MALFORM_ALL 0x1ff

/* a mode's name ("space-padding", "no-nul", "traddr-comma", "non-printable",
 * "numrec-over", "numrec-huge", "genctr-churn", "log-error", "log-drop") and
 * back; 0 if unknown */
DceMalform dce_malform_from_name(const char *name);
const char *dce_malform_name(DceMalform mode);

/* one entry in its 1024 wire bytes, with the malformed modes applied */
void dce_entry_encode(const DceEntry *e, guint malform, guint8 out[DCE_ENTRY_LEN]);

/*
 * the whole discovery log: header then the entries (only the local ones
 * when pleo_only), malformed modes applied.
 */
GBytes *dce_log_build(GPtrArray *entries, guint64 genctr, gboolean pleo_only, guint malform);

/* len bytes of log at offset; bytes past its end read as zeros */
void dce_log_copy(GBytes *log, guint64 offset, guint8 *buf, gsize len);

/* the Supported Log Pages log: LID 0x00 and 0x70, PLEOS when pleo */
void dce_log_supported(gboolean pleo, guint8 out[DCE_SUPPORTED_LEN]);

G_END_DECLS
