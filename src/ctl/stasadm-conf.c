/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "stasadm-conf.h"

#include "stas/stas-error.h"
#include "stas/stas-ini.h"

/* the lines of text without their '\n' */
static GPtrArray *
split_lines(const char *text, gsize len)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	gsize pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		gsize end = nl ? (gsize)(nl - text) : len;

		g_ptr_array_add(lines, g_strndup(text + pos, end - pos));
		pos = end + 1;
	}
	return lines;
}

static gboolean
is_blank(const char *line)
{
	for (; *line; line++)
		if (!g_ascii_isspace(*line))
			return FALSE;
	return TRUE;
}

typedef struct {
	GArray *drop;	/* gboolean per line: the key's lines */
	int target;	/* the last line with the key itself, or -1 */
	int block_end;	/* last line of the last [section] block, or -1 if no section */
} KeyLines;

/* where the key and the section are, by the daemons' own reader */
static void
find_key_lines(const char *text, gsize len, guint n_lines, const char *section,
	       const char *key, KeyLines *k)
{
	g_autoptr(StasIni) ini = stas_ini_new();
	g_autofree char *lkey = g_ascii_strdown(key, -1);
	guint header = 0;

	k->drop = g_array_sized_new(FALSE, TRUE, sizeof(gboolean), n_lines);
	g_array_set_size(k->drop, n_lines);
	k->target = -1;
	k->block_end = -1;
	stas_ini_add_data(ini, "sys.conf", text, len);
	for (guint i = 0; i < stas_ini_get_n_headers(ini); i++) {
		const StasIniEntry *h = stas_ini_get_header(ini, i);

		if (g_strcmp0(h->section, section) == 0)
			header = h->line;
	}
	if (header)
		k->block_end = (int)header - 1;
	for (guint i = 0; i < stas_ini_get_n_entries(ini); i++) {
		const StasIniEntry *e = stas_ini_get_entry(ini, i);

		if (g_strcmp0(e->section, section) != 0 || e->line == 0 || e->line > n_lines)
			continue;
		/* entries of the last block extend it (continuations too) */
		if (header && e->line > header)
			k->block_end = MAX(k->block_end, (int)e->line - 1);
		if (g_strcmp0(e->key, lkey) != 0)
			continue;
		g_array_index(k->drop, gboolean, e->line - 1) = TRUE;
		if (!e->continuation)
			k->target = (int)e->line - 1;
	}
}

/* FALSE when the text already says what it should: the file is left alone */
static gboolean
edit_needed(GPtrArray *lines, const KeyLines *k, const char *new_line)
{
	for (guint i = 0; i < lines->len; i++)
		if (g_array_index(k->drop, gboolean, i) && (new_line == NULL || (int)i != k->target))
			return TRUE;
	if (new_line == NULL)
		return FALSE;
	return k->target < 0 || !g_str_equal(lines->pdata[k->target], new_line);
}

/* every line is written back with a '\n', the last one included */
char *
stasadm_conf_edit(const char *text, gsize len, const char *section, const char *key,
		  const char *value)
{
	g_autoptr(GPtrArray) lines = split_lines(text, len);
	g_autofree char *new_line = value ? g_strdup_printf("%s = %s", key, value) : NULL;
	GString *out = g_string_sized_new(len + 64);
	gboolean written = FALSE;
	KeyLines k;

	find_key_lines(text, len, lines->len, section, key, &k);
	if (!edit_needed(lines, &k, new_line)) {
		g_array_unref(k.drop);
		g_string_free(out, TRUE);
		return g_strndup(text, len);
	}
	for (guint i = 0; i < lines->len; i++) {
		if (new_line && (int)i == k.target) {
			g_string_append_printf(out, "%s\n", new_line);
			written = TRUE;
		} else if (!g_array_index(k.drop, gboolean, i)) {
			g_string_append_printf(out, "%s\n", (char *)lines->pdata[i]);
		}
		/* a new key goes after the last line of the section's last block */
		if (new_line && k.target < 0 && (int)i == k.block_end) {
			g_string_append_printf(out, "%s\n", new_line);
			written = TRUE;
		}
	}
	if (new_line && !written) {
		if (lines->len && !is_blank(lines->pdata[lines->len - 1]))
			g_string_append_c(out, '\n');
		g_string_append_printf(out, "[%s]\n%s\n", section, new_line);
	}
	g_array_unref(k.drop);
	return g_string_free(out, FALSE);
}

gboolean
stasadm_write_file(const char *path, const char *text, GError **error)
{
	g_autofree char *real = realpath(path, NULL);
	const char *target = real ? real : path; /* replace a symlink's target, not the link */
	struct stat st;
	int mode = 0644;

	if (stat(target, &st) == 0)
		mode = st.st_mode & 07777;
	return g_file_set_contents_full(target, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode,
					error);
}

gboolean
stasadm_conf_update(const char *path, const char *section, const char *key, const char *value,
		    GError **error)
{
	g_autofree char *text = NULL;
	g_autofree char *edited = NULL;
	g_autoptr(GError) local = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		if (!g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		if (value == NULL)
			return TRUE; /* nothing to remove */
	}
	if (len > STAS_INI_MAX_FILE_SIZE) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: file too large", path);
		return FALSE;
	}
	edited = stasadm_conf_edit(text ? text : "", len, section, key, value);
	if (text && g_str_equal(text, edited))
		return TRUE;
	return stasadm_write_file(path, edited, error);
}
