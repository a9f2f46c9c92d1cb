/* SPDX-License-Identifier: Apache-2.0 */
/* JSON text written directly, as json-glib 1.6 writes it */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stas/stas-json-text.h"

void
stas_json_text_append_string(GString *out, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = text;

	g_string_append_c(out, '"');
	for (const char *p = text; *p; p++) {
		guchar c = (guchar)*p;
		const char *short_esc = NULL;

		if (c != '"' && c != '\\' && c >= 0x1f && c != 0x7f)
			continue;
		g_string_append_len(out, run, p - run);
		run = p + 1;
		switch (c) {
		case '"':
			short_esc = "\\\"";
			break;
		case '\\':
			short_esc = "\\\\";
			break;
		case '\b':
			short_esc = "\\b";
			break;
		case '\f':
			short_esc = "\\f";
			break;
		case '\n':
			short_esc = "\\n";
			break;
		case '\r':
			short_esc = "\\r";
			break;
		case '\t':
			short_esc = "\\t";
			break;
		default:
			break;
		}
		if (short_esc) {
			g_string_append_len(out, short_esc, 2);
		} else {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

			g_string_append_len(out, esc, sizeof(esc));
		}
	}
	g_string_append(out, run);
	g_string_append_c(out, '"');
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
stas_json_text_sorted_keys(GHashTable *dict, guint *n)
{
	const char **keys = (const char **)g_hash_table_get_keys_as_array(dict, n);

	qsort(keys, *n, sizeof(*keys), compare_keys);
	return keys;
}

void
stas_json_text_append_dict(GString *out, GHashTable *dict)
{
	guint n;
	g_autofree const char **keys = stas_json_text_sorted_keys(dict, &n);

	g_string_append_c(out, '{');
	for (guint i = 0; i < n; i++) {
		if (i)
			g_string_append_c(out, ',');
		stas_json_text_append_string(out, keys[i]);
		g_string_append_c(out, ':');
		stas_json_text_append_string(out, g_hash_table_lookup(dict, keys[i]));
	}
	g_string_append_c(out, '}');
}
