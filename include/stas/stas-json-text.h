/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-json-text: JSON text written directly, byte for byte as json-glib
 * 1.6's generator writes the same tree.  the daemons' replies and state
 * files are upstream's JSON; building a JsonNode tree and generating text
 * from it cost ~40 K instructions per log page entry, on every change.
 *
 * threading: no state; any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * text as a JSON string, quotes included, escaped as json_strescape does:
 * \" \\ \b \f \n \r \t, \u00xx for the other bytes 0x01..0x1e and 0x7f;
 * 0x1f and bytes >= 0x80 as they are
 */
void stas_json_text_append_string(GString *out, const char *text);

/* the keys of a table of strings, in strcmp order (g_free the array only) */
const char **stas_json_text_sorted_keys(GHashTable *dict, guint *n);

/* {"key":"value",...} of a table of strings, keys in strcmp order, compact
 * (json_to_string(node, FALSE) of the object) */
void stas_json_text_append_dict(GString *out, GHashTable *dict);

G_END_DECLS
