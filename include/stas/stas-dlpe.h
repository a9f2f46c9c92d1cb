/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-dlpe: the Discovery Log Page (NVMe base spec, log 70h) from raw
 * bytes to typed entries (StasDlpe), to the upstream string dictionary
 * form (REFERENCE 3.6) and to TIDs (REFERENCE 5.2).
 *
 * a log page comes from any DC on the network, so it is untrusted: counts
 * are bounded by the bytes really there, strings are stripped of their
 * padding and every string that could reach the kernel is checked with
 * stas-validate.  a bad entry is dropped with a diagnostic naming the DC,
 * the entry index and the field; the healthy entries around it are kept.
 * the parser never logs.
 *
 * StasDlpe and StasDlpeLog are immutable and refcounted once built: they
 * may be shared between threads.
 */
#pragma once

#include <glib.h>

#include "stas/stas-tid.h"

G_BEGIN_DECLS

#define STAS_DLP_HEADER_SIZE 1024
#define STAS_DLPE_SIZE	     1024
/* most records a log may hold for us (16 MiB of entries) */
#define STAS_DLP_MAX_RECORDS 16384

/* NVMe numbers (libnvme names in comments) */
#define STAS_DLPE_TRTYPE_UNSPECIFIED 0 /* NVMF_TRTYPE_UNSPECIFIED */
#define STAS_DLPE_TRTYPE_RDMA	     1
#define STAS_DLPE_TRTYPE_FC	     2
#define STAS_DLPE_TRTYPE_TCP	     3
#define STAS_DLPE_TRTYPE_LOOP	     254
#define STAS_DLPE_SUBTYPE_REFERRAL   1	 /* NVME_NQN_DISC: another discovery subsystem */
#define STAS_DLPE_SUBTYPE_NVME	     2	 /* NVME_NQN_NVME: an I/O subsystem */
#define STAS_DLPE_SUBTYPE_DISCOVERY  3	 /* NVME_NQN_CURR: the current discovery subsystem */
#define STAS_DLPE_EFLAGS_NCC	     0x4 /* not connected to CDC */

typedef struct _StasDlpe StasDlpe;

struct _StasDlpe {
	/* read-only */
	guint8 trtype;
	guint8 adrfam;
	guint8 subtype;
	guint8 treq;
	guint16 portid;
	guint16 cntlid;
	guint16 asqsz;
	guint16 eflags;
	const char *trsvcid; /* stripped of NUL/space padding; validated */
	const char *subnqn;
	const char *traddr;
	/* tsas bytes 0..2: tcp sectype; rdma qptype, prtype, cms */
	guint8 tsas[3];
	/*< private >*/
	char *tsas_repr;
	gint ref;
};

StasDlpe *stas_dlpe_ref(StasDlpe *dlpe);
void stas_dlpe_unref(StasDlpe *dlpe);

/*
 * an entry from its typed fields (the last-known state file): the public
 * fields of *fields are read, the rest is ignored.  the checks are those
 * of the wire parser, since such fields are just as untrusted: each string
 * must fit its wire field with a NUL (trsvcid 31 bytes, subnqn and traddr
 * 255), loses surrounding whitespace, a placeholder traddr (0.0.0.0, ::,
 * empty) is refused, and traddr, trsvcid and subnqn are validated per
 * transport.  NULL strings count as "".  the error names the field.
 */
StasDlpe *stas_dlpe_new_from_fields(const StasDlpe *fields, GError **error);

/* all fields equal as far as the dictionary form shows them */
gboolean stas_dlpe_equal(const StasDlpe *a, const StasDlpe *b);

/* TRUE if eflags has NCC (not connected to CDC, 0x4) */
gboolean stas_dlpe_ncc(const StasDlpe *dlpe);

/*
 * the libnvme-binding spellings of REFERENCE 3.6, NULL for a value without
 * a name (the dictionary form prints those as decimal numbers).
 */
const char *stas_dlpe_trtype_name(guint8 trtype);
const char *stas_dlpe_adrfam_name(guint8 adrfam);
const char *stas_dlpe_subtype_name(guint8 subtype);
const char *stas_dlpe_treq_name(guint8 treq);

/* trtype as in the dictionary: "tcp", ..., or the number ("7"); newly allocated */
char *stas_dlpe_transport(const StasDlpe *dlpe);

/*
 * the python repr of the tsas dict, e.g. "{'sectype': 'none'}" for tcp or
 * "{'qptype': 'connected', 'prtype': 'roce', 'cms': 'cm'}" for rdma; NULL
 * for other transports (the dictionary has no tsas key for them).
 */
const char *stas_dlpe_tsas_repr(const StasDlpe *dlpe);

/*
 * the dictionary form (REFERENCE 3.6): trtype, adrfam, traddr, trsvcid,
 * subnqn, subtype, treq, portid, cntlid, asqsz, eflags and, for tcp/rdma,
 * tsas; every value a string.  a new char* -> char* table.
 */
GHashTable *stas_dlpe_to_map(const StasDlpe *dlpe);

/*
 * the TID of the controller an entry names: transport, traddr, trsvcid and
 * subsysnqn from the entry; host-traddr, host-iface and (if non-empty)
 * host-nqn copied from the TID of the DC the log came from (dc may be
 * NULL).  kind is IOC for subtype nvme, DC otherwise; host_nqn and
 * ignore_iface come from defaults (may be NULL), its kind is ignored.
 */
StasTid *stas_dlpe_to_tid(const StasDlpe *dlpe, const StasTid *dc, const StasTidDefaults *defaults);

/*
 * the same for an entry in dictionary form (as stacd receives them from
 * stafd on D-Bus): transport = trtype, subsysnqn = subnqn, kind IOC when
 * subtype is "nvme".  missing keys count as "".
 */
StasTid *stas_dlpe_map_to_tid(GHashTable *map, const StasTid *dc, const StasTidDefaults *defaults);

/* NCC of an entry in dictionary form (its "eflags" decimal string) */
gboolean stas_dlpe_map_ncc(GHashTable *map);

/* two lists of StasDlpe (GPtrArray, NULL = empty) hold equal entries in the same order */
gboolean stas_dlpe_list_equal(GPtrArray *a, GPtrArray *b);
/* the same, looking only at the entries of one subtype (e.g. referrals) */
gboolean stas_dlpe_list_equal_subtype(GPtrArray *a, GPtrArray *b, guint8 subtype);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasDlpe, stas_dlpe_unref)

/* a parsed log page */
typedef struct _StasDlpeLog StasDlpeLog;

struct _StasDlpeLog {
	/* read-only */
	guint64 genctr; /* generation counter of the header */
	guint64 numrec; /* number of records the header claims */
	guint16 recfmt;
	GPtrArray *entries;	/* StasDlpe*, the accepted entries in log order */
	GPtrArray *diagnostics; /* char*, one line per problem, each naming the source */
	guint n_placeholders;	/* entries dropped for a 0.0.0.0 / :: / empty traddr */
	/*< private >*/
	gint ref;
};

/*
 * the header fields of a raw log; FALSE if len is shorter than a header.
 * lets a reader size what to fetch: header + MIN(numrec, MAX_RECORDS)
 * entries.
 */
gboolean stas_dlpe_log_parse_header(const guint8 *data, gsize len, guint64 *genctr, guint64 *numrec,
				    guint16 *recfmt, GError **error);

/*
 * parse a raw log page (header + entries).  source names the DC in the
 * diagnostics (e.g. its TID string); may be NULL.  fails only when the
 * header itself is missing; numrec larger than the data yields the
 * entries really there plus a diagnostic, data beyond numrec records is
 * ignored with a diagnostic.
 */
StasDlpeLog *stas_dlpe_log_parse(const guint8 *data, gsize len, const char *source, GError **error);

StasDlpeLog *stas_dlpe_log_ref(StasDlpeLog *log);
void stas_dlpe_log_unref(StasDlpeLog *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasDlpeLog, stas_dlpe_log_unref)

G_END_DECLS
