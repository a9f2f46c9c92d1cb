/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-aen: discovery log change events (dc-emu-aen.h).
 */
#include "config.h"

#include "dc-emu-aen.h"

void
dce_aen_init(DceAen *a, guint limit)
{
	a->masked = FALSE;
	a->pending = FALSE;
	a->aec = DCE_AEC_DISC_CHANGE;
	a->limit = MAX(limit, 1);
	a->aers = g_array_new(FALSE, FALSE, sizeof(guint16));
	a->sent = 0;
	a->suppressed = 0;
}

void
dce_aen_clear(DceAen *a)
{
	g_clear_pointer(&a->aers, g_array_unref);
}

void
dce_aen_reset(DceAen *a)
{
	a->masked = FALSE;
	a->pending = FALSE;
	g_array_set_size(a->aers, 0);
}

DceAenNotify
dce_aen_notify(DceAen *a, gboolean force, guint16 *cid)
{
	if (!(a->aec & DCE_AEC_DISC_CHANGE) || (a->masked && !force)) {
		a->suppressed++;
		return DCE_AEN_SUPPRESSED;
	}
	a->masked = TRUE;
	if (a->aers->len == 0) {
		a->pending = TRUE;
		return DCE_AEN_QUEUED;
	}
	*cid = g_array_index(a->aers, guint16, 0);
	g_array_remove_index(a->aers, 0);
	a->sent++;
	return DCE_AEN_SENT;
}

DceAenAer
dce_aen_request(DceAen *a, guint16 cid)
{
	if (a->pending) {
		a->pending = FALSE;
		a->sent++;
		return DCE_AER_COMPLETE;
	}
	if (a->aers->len >= a->limit)
		return DCE_AER_LIMIT;
	g_array_append_val(a->aers, cid);
	return DCE_AER_HELD;
}

void
dce_aen_log_read(DceAen *a, gboolean rae)
{
	if (!rae)
		a->masked = FALSE;
}
