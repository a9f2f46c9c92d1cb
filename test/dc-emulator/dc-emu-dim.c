/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-dim: DIM command data (dc-emu-dim.h).  layouts: struct
 * nvmf_dim_data, nvmf_ext_die and nvmf_ext_attr of libnvme's types.h
 * (TP8010); extended attributes step by 4 + their length rounded up to 4,
 * as libnvme's nvmf_exat_ptr_next().
 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"

#include "dc-emu-dim.h"
#include "dc-emu-entry.h"
#include "dc-emu-pdu.h"

#define EXT_OFF_TEL	1024
#define EXT_OFF_NUMEXAT 1028
#define EXAT_HDR_LEN	4
#define UUID_LEN	16

static void
dim_entry_free(gpointer p)
{
	DceDimEntry *e = p;

	g_free(e->nqn);
	g_free(e->traddr);
	g_free(e->trsvcid);
	g_free(e->hostid);
	g_free(e->symname);
	g_free(e);
}

void
dce_dim_free(DceDim *dim)
{
	if (dim == NULL)
		return;
	g_free(dim->eid);
	g_free(dim->ename);
	g_free(dim->ever);
	g_clear_pointer(&dim->entries, g_ptr_array_unref);
	g_free(dim);
}

/* the first 1024 bytes of a basic or extended entry: the discovery log entry layout */
static DceDimEntry *
entry_common(const guint8 *p)
{
	DceDimEntry *e = g_new0(DceDimEntry, 1);

	e->trtype = p[DCE_ENTRY_OFF_TRTYPE];
	e->adrfam = p[DCE_ENTRY_OFF_ADRFAM];
	e->trsvcid = dce_fixed_string(p + DCE_ENTRY_OFF_TRSVCID, DCE_TRSVCID_LEN);
	e->nqn = dce_fixed_string(p + DCE_ENTRY_OFF_SUBNQN, DCE_NQN_LEN);
	e->traddr = dce_fixed_string(p + DCE_ENTRY_OFF_TRADDR, DCE_TRADDR_LEN);
	return e;
}

/* the extended attributes of one extended entry of tel bytes */
static gboolean
parse_exats(DceDimEntry *e, const guint8 *p, guint32 tel, guint numexat, GError **error)
{
	gsize off = DCE_DIM_EXT_DIE_LEN;

	for (guint i = 0; i < numexat; i++) {
		guint16 type, len;

		if (off + EXAT_HDR_LEN > tel) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "DIM: attribute %u header past TEL %u", i, tel);
			return FALSE;
		}
		type = dce_get_le16(p + off);
		len = dce_get_le16(p + off + 2);
		if (off + EXAT_HDR_LEN + len > tel) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "DIM: attribute %u of %u bytes past TEL %u", i, len, tel);
			return FALSE;
		}
		if (type == DCE_EXATTYPE_HOSTID && len >= UUID_LEN && e->hostid == NULL)
			e->hostid = dce_uuid_string(p + off + EXAT_HDR_LEN);
		else if (type == DCE_EXATTYPE_SYMNAME && e->symname == NULL)
			e->symname = dce_fixed_string(p + off + EXAT_HDR_LEN, len);
		off += EXAT_HDR_LEN + (((gsize)len + 3) & ~(gsize)3);
	}
	return TRUE;
}

/* the entries after the header, within tdl bytes */
static gboolean
parse_entries(DceDim *dim, const guint8 *data, guint32 tdl, guint64 nument, GError **error)
{
	gsize off = DCE_DIM_HEADER_LEN;

	for (guint64 i = 0; i < nument; i++) {
		DceDimEntry *e;
		guint32 tel = DCE_ENTRY_LEN;

		if (dim->entfmt == DCE_DIM_ENTFMT_EXTENDED) {
			if (off + DCE_DIM_EXT_DIE_LEN > tdl) {
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    "DIM: extended entry %" G_GUINT64_FORMAT " past TDL %u",
					    i, tdl);
				return FALSE;
			}
			tel = dce_get_le32(data + off + EXT_OFF_TEL);
			if (tel < DCE_DIM_EXT_DIE_LEN || tel > tdl - off) {
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    "DIM: entry %" G_GUINT64_FORMAT " TEL %u invalid", i,
					    tel);
				return FALSE;
			}
		} else if (off + DCE_ENTRY_LEN > tdl) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "DIM: basic entry %" G_GUINT64_FORMAT " past TDL %u", i, tdl);
			return FALSE;
		}
		e = entry_common(data + off);
		g_ptr_array_add(dim->entries, e);
		if (dim->entfmt == DCE_DIM_ENTFMT_EXTENDED &&
		    !parse_exats(e, data + off, tel, dce_get_le16(data + off + EXT_OFF_NUMEXAT),
				 error))
			return FALSE;
		off += tel;
	}
	return TRUE;
}

DceDim *
dce_dim_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(DceDim) dim = g_new0(DceDim, 1);
	guint32 tdl;
	guint64 nument;

	dim->entries = g_ptr_array_new_with_free_func(dim_entry_free);
	if (len < DCE_DIM_HEADER_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "DIM: %zu bytes of data", len);
		return NULL;
	}
	tdl = dce_get_le32(data + DCE_DIM_OFF_TDL);
	nument = dce_get_le64(data + DCE_DIM_OFF_NUMENT);
	dim->entfmt = dce_get_le16(data + DCE_DIM_OFF_ENTFMT);
	dim->etype = dce_get_le16(data + DCE_DIM_OFF_ETYPE);
	dim->portlcl = data[DCE_DIM_OFF_PORTLCL];
	dim->ektype = dce_get_le16(data + DCE_DIM_OFF_EKTYPE);
	dim->eid = dce_fixed_string(data + DCE_DIM_OFF_EID, DCE_NQN_LEN);
	dim->ename = dce_fixed_string(data + DCE_DIM_OFF_ENAME, DCE_DIM_ENAME_LEN);
	dim->ever = dce_fixed_string(data + DCE_DIM_OFF_EVER, DCE_DIM_EVER_LEN);
	if (tdl < DCE_DIM_HEADER_LEN || tdl > len) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "DIM: TDL %u outside %u..%zu",
			    tdl, DCE_DIM_HEADER_LEN, len);
		return NULL;
	}
	if (dim->entfmt != DCE_DIM_ENTFMT_BASIC && dim->entfmt != DCE_DIM_ENTFMT_EXTENDED) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "DIM: entry format %u",
			    dim->entfmt);
		return NULL;
	}
	if (nument > DCE_DIM_MAX_ENTRIES) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "DIM: %" G_GUINT64_FORMAT " entries", nument);
		return NULL;
	}
	if (!parse_entries(dim, data, tdl, nument, error))
		return NULL;
	return g_steal_pointer(&dim);
}
