/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-entry: one discovery log entry of the DC emulator as the control
 * socket and the config file give it (JSON) and as the wire carries it (the
 * 1024-byte discovery log page entry, struct nvmf_disc_log_entry), plus the
 * fixed-size string fields of NVMe structures.
 *
 * plain values, no state: thread-safe.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DCE_ENTRY_LEN	1024
#define DCE_TRSVCID_LEN 32
#define DCE_NQN_LEN	256
#define DCE_TRADDR_LEN	256
#define DCE_DISC_NQN	"nqn.2014-08.org.nvmexpress.discovery"

/* byte offsets in a discovery log entry */
#define DCE_ENTRY_OFF_TRTYPE  0
#define DCE_ENTRY_OFF_ADRFAM  1
#define DCE_ENTRY_OFF_SUBTYPE 2
#define DCE_ENTRY_OFF_TREQ    3
#define DCE_ENTRY_OFF_PORTID  4
#define DCE_ENTRY_OFF_CNTLID  6
#define DCE_ENTRY_OFF_ASQSZ   8
#define DCE_ENTRY_OFF_EFLAGS  10
#define DCE_ENTRY_OFF_TRSVCID 32
#define DCE_ENTRY_OFF_SUBNQN  256
#define DCE_ENTRY_OFF_TRADDR  512
#define DCE_ENTRY_OFF_TSAS    768

typedef struct {
	guint8 trtype;	/* 3 tcp */
	guint8 adrfam;	/* 1 ipv4, 2 ipv6 */
	guint8 subtype; /* 1 referral, 2 nvme, 3 current discovery subsystem */
	guint8 treq;
	guint16 portid;
	guint16 cntlid;
	guint16 asqsz;
	guint16 eflags;
	guint8 sectype; /* tsas.tcp.sectype */
	char *trsvcid;
	char *subnqn;
	char *traddr;
	gboolean local; /* returned to a Get Log Page with LSP PLEO */
} DceEntry;

/* tcp, ipv4, nvme subsystem, cntlid 0xffff (dynamic), asqsz 32, local; empty strings */
DceEntry *dce_entry_new(void);
DceEntry *dce_entry_copy(const DceEntry *e);
void dce_entry_free(DceEntry *e);

/*
 * an entry from JSON: {trtype, adrfam, subtype, traddr, trsvcid, subnqn,
 * portid, cntlid, asqsz, eflags, treq, sectype, local}.  the enums take a
 * number or a name (trtype rdma/fc/tcp/loop, adrfam ipv4/ipv6/ib/fc/loop,
 * subtype referral (= discovery)/nvme/current).  unknown keys, numbers out
 * of their field's range and strings longer than their field are refused
 * (STAS_ERROR_INVALID).
 */
DceEntry *dce_entry_from_json(JsonObject *obj, GError **error);
JsonObject *dce_entry_to_json(const DceEntry *e);

/* TRUE if every member of match (same keys as above) equals e's; FALSE with
 * error set when match holds an unknown key or a bad value */
gboolean dce_entry_matches(const DceEntry *e, JsonObject *match, GError **error);

/*
 * a fixed-size string field of n bytes as text: up to the first NUL,
 * trailing spaces cut, bytes outside printable ASCII written as \xNN (so
 * the result is valid UTF-8 for JSON and shows what the host sent).
 */
char *dce_fixed_string(const guint8 *p, gsize n);

/* 16 bytes as a lowercase UUID string (8-4-4-4-12) */
char *dce_uuid_string(const guint8 *u);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceEntry, dce_entry_free)

G_END_DECLS
