/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the last-known state loader: the input is the content of the file.
 * whatever it loads must be safe to use (TIDs that pass the last check
 * before a connect, no secrets, bounded counts, no duplicates) and must
 * come back unchanged, without a diagnostic, through a save and a load.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-state.h"
#include "stas/stas-validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_controller(const StasStateController *c)
{
	GHashTableIter iter;
	gpointer k, v;

	if (!stas_validate_tid(c->tid, NULL))
		abort();
	g_hash_table_iter_init(&iter, stas_tid_get_cfg_table(c->tid));
	while (g_hash_table_iter_next(&iter, &k, &v))
		if (stas_tid_key_is_secret(k) || !stas_validate_token("key", k, NULL))
			abort();
	if (c->device && !g_str_has_prefix(c->device, "nvme"))
		abort();
	if (c->log_pages && c->log_pages->len > STAS_STATE_MAX_ENTRIES)
		abort();
	for (guint i = 0; c->log_pages && i < c->log_pages->len; i++) {
		const StasDlpe *e = c->log_pages->pdata[i];
		g_autoptr(StasDlpe) again = stas_dlpe_new_from_fields(e, NULL);

		/* an accepted entry is accepted again, unchanged */
		if (again == NULL || !stas_dlpe_equal(e, again))
			abort();
	}
}

static gboolean
same_cfg(const StasTid *a, const StasTid *b)
{
	GHashTable *ca = stas_tid_get_cfg_table(a);
	GHashTableIter iter;
	gpointer k, v;

	if (g_hash_table_size(ca) != g_hash_table_size(stas_tid_get_cfg_table(b)))
		return FALSE;
	g_hash_table_iter_init(&iter, ca);
	while (g_hash_table_iter_next(&iter, &k, &v))
		if (g_strcmp0(stas_tid_get_cfg(b, k), v) != 0)
			return FALSE;
	return TRUE;
}

static void
check_round_trip(const StasState *state, const StasTidDefaults *d)
{
	g_autoptr(GBytes) json = stas_state_to_json(state, NULL);
	g_autoptr(StasState) back = NULL;
	const char *text;
	gsize len;

	if (json == NULL)
		return;
	text = g_bytes_get_data(json, &len);
	back = stas_state_from_json(text, len, "(again)", d, NULL);
	if (back == NULL || back->diagnostics->len != 0 ||
	    back->controllers->len != state->controllers->len)
		abort();
	for (guint i = 0; i < state->controllers->len; i++) {
		const StasStateController *a = state->controllers->pdata[i];
		const StasStateController *b = back->controllers->pdata[i];

		if (!stas_tid_equal(a->tid, b->tid) || !same_cfg(a->tid, b->tid) ||
		    g_strcmp0(a->device, b->device) != 0 || a->origin != b->origin ||
		    (a->log_pages == NULL) != (b->log_pages == NULL) ||
		    !stas_dlpe_list_equal(a->log_pages, b->log_pages))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the kind and ignore-iface vary with the input, so both paths are seen */
	StasTidDefaults d = {
		.kind = size & 1 ? STAS_TID_KIND_IOC : STAS_TID_KIND_DC,
		.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:fuzz",
		.ignore_iface = (size & 2) != 0,
	};
	g_autoptr(GHashTable) seen = g_hash_table_new(stas_tid_hash, stas_tid_equal);
	g_autoptr(StasState) state = NULL;
	g_autofree char *copy = NULL;

	/* an exact-size copy, so ASan sees any overread */
	copy = g_malloc(size ? size : 1);
	memcpy(copy, data, size);
	state = stas_state_from_json(copy, size, "(fuzz)", &d, NULL);
	if (state == NULL)
		return 0;
	if (state->controllers->len > STAS_STATE_MAX_CONTROLLERS)
		abort();
	for (guint i = 0; i < state->controllers->len; i++) {
		const StasStateController *c = state->controllers->pdata[i];

		check_controller(c);
		if (!g_hash_table_add(seen, c->tid))
			abort();
	}
	check_round_trip(state, &d);
	return 0;
}
