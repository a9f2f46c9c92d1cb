/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz stacd's reading of stafd's get_all_log_pages(true) answer: the
 * input is the JSON text.  whatever it accepts must be safe to connect
 * (every TID passes the last check before a connect), within the bounds,
 * and the entries kept must be string dictionaries within their bounds.
 * the first input byte picks ignore-iface, so both TID defaults are run.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stacd-reconcile.h"

#include "stas/stas-validate.h"

#define HOST_NQN "nqn.2014-08.org.nvmexpress:uuid:13730573-e8d7-446e-81f6-042a497846d5"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_entry(const StasTid *tid, GHashTable *entry, gboolean ignore_iface)
{
	GHashTableIter iter;
	gpointer k, v;

	if (!stas_validate_tid(tid, NULL) || (ignore_iface && *tid->host_iface))
		abort();
	if (*tid->host_nqn == '\0')
		abort(); /* the DC's, or the sys.conf one */
	if (g_hash_table_size(entry) > STACD_DICT_MAX_KEYS)
		abort();
	g_hash_table_iter_init(&iter, entry);
	while (g_hash_table_iter_next(&iter, &k, &v))
		if (strlen(k) > STACD_DICT_MAX_VALUE || strlen(v) > STACD_DICT_MAX_VALUE)
			abort();
	if (g_strcmp0(g_hash_table_lookup(entry, "subtype"), "nvme") != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	StasTidDefaults defaults = {.kind = STAS_TID_KIND_DC, .host_nqn = HOST_NQN};
	g_autoptr(StacdLogPages) pages = NULL;
	GHashTableIter iter;
	gpointer k, v;

	if (size > 0) {
		defaults.ignore_iface = data[0] & 1;
		data++;
		size--;
	}
	pages = stacd_log_pages_parse((const char *)data, size, &defaults, NULL);
	if (pages == NULL)
		return 0;
	if (pages->n_dcs > STACD_LOG_PAGES_MAX_DCS ||
	    g_hash_table_size(pages->entries) > STACD_LOG_PAGES_MAX_TOTAL)
		abort();
	g_hash_table_iter_init(&iter, pages->entries);
	while (g_hash_table_iter_next(&iter, &k, &v))
		check_entry(k, v, defaults.ignore_iface);
	return 0;
}
