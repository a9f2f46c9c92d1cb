/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-dim: the data of a Discovery Information Management command
 * (opcode 0x21, TP8010): struct nvmf_dim_data (1024-byte header: TDL,
 * NUMENT, ENTFMT, ETYPE, PORTLCL, EKTYPE, EID, ENAME, EVER) followed by
 * NUMENT discovery information entries, basic (1024 bytes, the discovery
 * log entry layout) or extended (struct nvmf_ext_die: the same 1024 bytes,
 * then TEL, NUMEXAT and extended attributes, e.g. host ID and symbolic
 * name).  what libnvme's nvmf_register_ctrl() sends: one extended entry
 * with a host ID and, if set, a symbolic name.
 *
 * a parser over untrusted bytes: every length and count is bounded by the
 * data.  no state: thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DCE_DIM_HEADER_LEN  1024
#define DCE_DIM_EXT_DIE_LEN 1032 /* fixed part of an extended entry */
#define DCE_DIM_MAX_ENTRIES 1024

#define DCE_DIM_TAS_REGISTER   0
#define DCE_DIM_TAS_DEREGISTER 1
#define DCE_DIM_TAS_UPDATE     2

#define DCE_DIM_ENTFMT_BASIC	1
#define DCE_DIM_ENTFMT_EXTENDED 2

#define DCE_EXATTYPE_HOSTID  1
#define DCE_EXATTYPE_SYMNAME 2

/* byte offsets in the DIM header */
#define DCE_DIM_OFF_TDL	    0
#define DCE_DIM_OFF_NUMENT  8
#define DCE_DIM_OFF_ENTFMT  16
#define DCE_DIM_OFF_ETYPE   18
#define DCE_DIM_OFF_PORTLCL 20
#define DCE_DIM_OFF_EKTYPE  22
#define DCE_DIM_OFF_EID	    24
#define DCE_DIM_OFF_ENAME   280
#define DCE_DIM_OFF_EVER    536
#define DCE_DIM_ENAME_LEN   256
#define DCE_DIM_EVER_LEN    64

typedef struct {
	guint8 trtype;
	guint8 adrfam;
	char *nqn;
	char *traddr;
	char *trsvcid;
	char *hostid;  /* the host ID attribute as a UUID string, or NULL */
	char *symname; /* the symbolic name attribute (space padding cut), or NULL */
} DceDimEntry;

typedef struct {
	guint16 entfmt;
	guint16 etype;
	guint8 portlcl;
	guint16 ektype;
	char *eid;
	char *ename;
	char *ever;
	GPtrArray *entries; /* DceDimEntry */
} DceDim;

void dce_dim_free(DceDim *dim);

/*
 * the DIM data in data (len bytes, the command's data length).  refused
 * (STAS_ERROR_INVALID): fewer than 1024 bytes, a TDL outside 1024..len, an
 * unknown entry format, NUMENT entries that do not fit in TDL, a TEL or an
 * attribute running past its entry, more than DCE_DIM_MAX_ENTRIES entries.
 */
DceDim *dce_dim_parse(const guint8 *data, gsize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DceDim, dce_dim_free)

G_END_DECLS
