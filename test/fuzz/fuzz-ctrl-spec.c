/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz the controller=/exclude= string grammar and exclusion matching:
 * the input is split at its first newline into a controller string and an
 * exclude string; the controller becomes a TID that the exclude is
 * matched against, as the daemons do.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stas/stas-ctrl-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) ctrl = NULL;
	g_autoptr(GHashTable) excl = NULL;
	g_autoptr(StasTid) tid = NULL;
	g_autofree char *text = NULL;
	StasTidDefaults defaults = {.kind = STAS_TID_KIND_IOC, .host_nqn = "nqn.h"};
	char *nl;

	if (size > 8192)
		return 0;
	/* exactly size bytes plus the terminator, so ASan sees any overread */
	text = g_malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';

	ctrl = stas_ctrl_spec_parse(text, warnings);
	excl = stas_ctrl_spec_parse_exclude(nl ? nl + 1 : text, warnings);
	tid = stas_tid_new_from_map(ctrl, &defaults);
	(void)stas_ctrl_spec_excludes(excl, tid);
	(void)stas_ctrl_spec_map_equal(ctrl, excl);
	for (guint i = 0; i < warnings->len; i++)
		if (strstr(warnings->pdata[i], "DHHC-") != NULL)
			abort(); /* a secret must never reach a message */
	return 0;
}
