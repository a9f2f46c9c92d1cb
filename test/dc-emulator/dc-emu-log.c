/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-log: log pages of the DC emulator (dc-emu-log.h).  the discovery
 * log layout is struct nvmf_discovery_log / nvmf_disc_log_entry (libnvme
 * types.h, NVMe over Fabrics 1.1 section 5.4).
 */
#include "config.h"

#include <string.h>

#include "dc-emu-log.h"
#include "dc-emu-pdu.h"

static const struct {
	DceMalform mode;
	const char *name;
} malform_names[] = {
	{DCE_MALFORM_SPACE_PAD, "space-padding"},   {DCE_MALFORM_NO_NUL, "no-nul"},
	{DCE_MALFORM_TRADDR_COMMA, "traddr-comma"}, {DCE_MALFORM_NONPRINT, "non-printable"},
	{DCE_MALFORM_NUMREC_OVER, "numrec-over"},   {DCE_MALFORM_NUMREC_HUGE, "numrec-huge"},
	{DCE_MALFORM_GENCTR_CHURN, "genctr-churn"}, {DCE_MALFORM_LOG_ERROR, "log-error"},
	{DCE_MALFORM_LOG_DROP, "log-drop"},
};

DceMalform
dce_malform_from_name(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(malform_names); i++) {
		if (g_strcmp0(name, malform_names[i].name) == 0)
			return malform_names[i].mode;
	}
	return 0;
}

const char *
dce_malform_name(DceMalform mode)
{
	for (guint i = 0; i < G_N_ELEMENTS(malform_names); i++) {
		if (malform_names[i].mode == mode)
			return malform_names[i].name;
	}
	return NULL;
}

/* a string field of n bytes: value (cut at n), then NUL, space or 'X' padding */
static void
put_field(guint8 *p, gsize n, const char *value, const char *suffix, guint malform)
{
	g_autofree char *text = g_strconcat(value, suffix, NULL);
	gsize len = MIN(strlen(text), n);
	guint8 pad = '\0';

	if (malform & DCE_MALFORM_SPACE_PAD)
		pad = ' ';
	if (malform & DCE_MALFORM_NO_NUL)
		pad = 'X';
	memset(p, pad, n);
	memcpy(p, text, len);
}

void
dce_entry_encode(const DceEntry *e, guint malform, guint8 out[DCE_ENTRY_LEN])
{
	gboolean np = (malform & DCE_MALFORM_NONPRINT) != 0;
	const char *traddr_extra =
		(malform & DCE_MALFORM_TRADDR_COMMA) ? ",hostnqn=nqn.evil=1" : "";
	g_autofree char *traddr = g_strconcat(traddr_extra, np ? "\x7f" : "", NULL);

	memset(out, 0, DCE_ENTRY_LEN);
	out[DCE_ENTRY_OFF_TRTYPE] = e->trtype;
	out[DCE_ENTRY_OFF_ADRFAM] = e->adrfam;
	out[DCE_ENTRY_OFF_SUBTYPE] = e->subtype;
	out[DCE_ENTRY_OFF_TREQ] = e->treq;
	dce_put_le16(out + DCE_ENTRY_OFF_PORTID, e->portid);
	dce_put_le16(out + DCE_ENTRY_OFF_CNTLID, e->cntlid);
	dce_put_le16(out + DCE_ENTRY_OFF_ASQSZ, e->asqsz);
	dce_put_le16(out + DCE_ENTRY_OFF_EFLAGS, e->eflags);
	put_field(out + DCE_ENTRY_OFF_TRSVCID, DCE_TRSVCID_LEN, e->trsvcid, np ? "\x1b" : "",
		  malform);
	put_field(out + DCE_ENTRY_OFF_SUBNQN, DCE_NQN_LEN, e->subnqn, np ? "\x01" : "", malform);
	put_field(out + DCE_ENTRY_OFF_TRADDR, DCE_TRADDR_LEN, e->traddr, traddr, malform);
	if (e->trtype == 3)
		out[DCE_ENTRY_OFF_TSAS] = e->sectype;
}

static guint64
claimed_numrec(guint64 numrec, guint malform)
{
	if (malform & DCE_MALFORM_NUMREC_HUGE)
		return G_MAXUINT64;
	if (malform & DCE_MALFORM_NUMREC_OVER)
		return numrec + DCE_NUMREC_OVER;
	return numrec;
}

GBytes *
dce_log_build(GPtrArray *entries, guint64 genctr, gboolean pleo_only, guint malform)
{
	guint n = 0;
	guint8 *log;
	gsize len;

	for (guint i = 0; i < entries->len; i++) {
		const DceEntry *e = g_ptr_array_index(entries, i);

		if (!pleo_only || e->local)
			n++;
	}
	len = DCE_LOG_HEADER_LEN + (gsize)n * DCE_ENTRY_LEN;
	log = g_malloc0(len);
	dce_put_le64(log, genctr);
	dce_put_le64(log + 8, claimed_numrec(n, malform));
	dce_put_le16(log + 16, 0); /* recfmt */

	n = 0;
	for (guint i = 0; i < entries->len; i++) {
		const DceEntry *e = g_ptr_array_index(entries, i);

		if (pleo_only && !e->local)
			continue;
		dce_entry_encode(e, malform, log + DCE_LOG_HEADER_LEN + (gsize)n * DCE_ENTRY_LEN);
		n++;
	}
	return g_bytes_new_take(log, len);
}

void
dce_log_copy(GBytes *log, guint64 offset, guint8 *buf, gsize len)
{
	gsize size = 0;
	const guint8 *data = g_bytes_get_data(log, &size);
	gsize n = 0;

	if (offset < size)
		n = MIN(len, size - offset);
	if (n > 0)
		memcpy(buf, data + offset, n);
	memset(buf + n, 0, len - n);
}

void
dce_log_supported(gboolean pleo, guint8 out[DCE_SUPPORTED_LEN])
{
	guint32 disc = 0x1; /* LSUPP */

	if (pleo)
		disc |= (guint32)DCE_LID_PLEOS << 16;
	memset(out, 0, DCE_SUPPORTED_LEN);
	dce_put_le32(out + 4 * DCE_LID_SUPPORTED, 0x1);
	dce_put_le32(out + 4 * DCE_LID_DISCOVERY, disc);
}
