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

/* a line of the text, without its '\n' (it may hold any byte) */
typedef struct {
	const char *p;
	gsize n;
} Line;

static GArray *
split_lines(const char *text, gsize len)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(Line));
	gsize pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		gsize end = nl ? (gsize)(nl - text) : len;
		Line l = {text + pos, end - pos};

		g_array_append_val(lines, l);
		pos = end + 1;
	}
	return lines;
}

/* the leading whitespace, as the INI reader counts it */
static gsize
indent_of(const Line *l)
{
	gsize n = 0;

	while (n < l->n && g_ascii_isspace(l->p[n]))
		n++;
	return n;
}

static gboolean
is_blank(const Line *l)
{
	return indent_of(l) == l->n;
}

static void
append_line(GString *out, const char *p, gsize n)
{
	g_string_append_len(out, p, n);
	g_string_append_c(out, '\n');
}

typedef struct {
	GArray *drop;  /* gboolean per line: the key's lines */
	int target;    /* the last line with the key itself, or -1 */
	int block_end; /* last line of the last [section] block, or -1 if no section */
	gsize indent;  /* of the key line the block ends with: a new key aligns to it */
} KeyLines;

static StasIni *
read_ini(const char *text, gsize len)
{
	StasIni *ini = stas_ini_new();

	stas_ini_add_data(ini, "sys.conf", text, len);
	return ini;
}

/* where the key and the section are, by the daemons' own reader */
static void
find_key_lines(GArray *lines, const char *text, gsize len, const char *section, const char *key,
	       KeyLines *k)
{
	g_autoptr(StasIni) ini = read_ini(text, len);
	g_autofree char *lkey = g_ascii_strdown(key, -1);
	guint header = 0;

	k->drop = g_array_sized_new(FALSE, TRUE, sizeof(gboolean), lines->len);
	g_array_set_size(k->drop, lines->len);
	k->target = -1;
	k->block_end = -1;
	k->indent = 0;
	for (guint i = 0; i < stas_ini_get_n_headers(ini); i++) {
		const StasIniEntry *h = stas_ini_get_header(ini, i);

		if (g_strcmp0(h->section, section) == 0)
			header = h->line;
	}
	if (header)
		k->block_end = (int)header - 1;
	for (guint i = 0; i < stas_ini_get_n_entries(ini); i++) {
		const StasIniEntry *e = stas_ini_get_entry(ini, i);

		if (g_strcmp0(e->section, section) != 0 || e->line == 0 || e->line > lines->len)
			continue;
		/* entries of the last block extend it (continuations too) */
		if (header && e->line > header) {
			k->block_end = MAX(k->block_end, (int)e->line - 1);
			if (!e->continuation)
				k->indent = indent_of(&g_array_index(lines, Line, e->line - 1));
		}
		if (g_strcmp0(e->key, lkey) != 0)
			continue;
		g_array_index(k->drop, gboolean, e->line - 1) = TRUE;
		if (!e->continuation)
			k->target = (int)e->line - 1;
	}
}

/* FALSE when the text already says what it should: the file is left alone */
static gboolean
edit_needed(GArray *lines, const KeyLines *k, const char *new_line)
{
	const Line *target;
	gsize indent;

	for (guint i = 0; i < lines->len; i++)
		if (g_array_index(k->drop, gboolean, i) &&
		    (new_line == NULL || (int)i != k->target))
			return TRUE;
	if (new_line == NULL)
		return FALSE;
	if (k->target < 0)
		return TRUE;
	target = &g_array_index(lines, Line, k->target);
	indent = indent_of(target);
	return target->n - indent != strlen(new_line) ||
	       memcmp(target->p + indent, new_line, target->n - indent) != 0;
}

static void
append_new_section(GString *out, GArray *lines, const char *section, const char *new_line)
{
	if (lines->len && !is_blank(&g_array_index(lines, Line, lines->len - 1)))
		g_string_append_c(out, '\n');
	g_string_append_printf(out, "[%s]\n%s\n", section, new_line);
}

/*
 * the edit in place: the key's last line rewritten (same indentation, so
 * the lines below keep their meaning), its other lines dropped, or a new
 * line after the section's last block.  in_place FALSE: every line of the
 * key dropped, the new one in a new [section] at the end.
 */
static GString *
apply(GArray *lines, const KeyLines *k, const char *section, const char *new_line,
      gboolean in_place)
{
	GString *out = g_string_new(NULL);
	gboolean written = FALSE;

	for (guint i = 0; i < lines->len; i++) {
		const Line *l = &g_array_index(lines, Line, i);

		if (in_place && new_line && (int)i == k->target) {
			g_string_append_len(out, l->p, indent_of(l));
			append_line(out, new_line, strlen(new_line));
			written = TRUE;
		} else if (!g_array_index(k->drop, gboolean, i)) {
			append_line(out, l->p, l->n);
		}
		if (in_place && new_line && k->target < 0 && (int)i == k->block_end) {
			g_string_append_printf(out, "%*s", (int)k->indent, "");
			append_line(out, new_line, strlen(new_line));
			written = TRUE;
		}
	}
	if (new_line && !written)
		append_new_section(out, lines, section, new_line);
	return out;
}

/* the entries of the other keys, as one comparable text */
static GString *
other_entries(const char *text, gsize len, const char *section, const char *lkey)
{
	g_autoptr(StasIni) ini = read_ini(text, len);
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < stas_ini_get_n_entries(ini); i++) {
		const StasIniEntry *e = stas_ini_get_entry(ini, i);

		if (g_strcmp0(e->section, section) == 0 && g_strcmp0(e->key, lkey) == 0)
			continue;
		g_string_append_printf(s, "%s%c%s%c%s%c%d%c", e->section, 0, e->key, 0,
				       e->value ? e->value : "\x01", 0, e->continuation, 0);
	}
	return s;
}

/* does the reader see exactly the intended change? */
static gboolean
edit_is_exact(const char *text, gsize len, GString *edited, const char *section, const char *key,
	      const char *value)
{
	g_autofree char *lkey = g_ascii_strdown(key, -1);
	g_autoptr(StasIni) ini = read_ini(edited->str, edited->len);
	const StasIniEntry *e = stas_ini_get_last(ini, section, lkey);
	g_autoptr(GString) before = other_entries(text, len, section, lkey);
	g_autoptr(GString) after = other_entries(edited->str, edited->len, section, lkey);

	if (value ? e == NULL || g_strcmp0(e->value, value) != 0 : e != NULL)
		return FALSE;
	return g_string_equal(before, after);
}

/* every line is written back with a '\n', the last one included */
GString *
stasadm_conf_edit(const char *text, gsize len, const char *section, const char *key,
		  const char *value)
{
	g_autoptr(GArray) lines = split_lines(text, len);
	g_autofree char *new_line = value ? g_strdup_printf("%s = %s", key, value) : NULL;
	GString *out;
	KeyLines k;

	find_key_lines(lines, text, len, section, key, &k);
	if (!edit_needed(lines, &k, new_line)) {
		g_array_unref(k.drop);
		return g_string_new_len(text, len);
	}
	out = apply(lines, &k, section, new_line, TRUE);
	/*
	 * lines the reader ignores (a "= x" without key, say) can turn into
	 * continuations of a line put in front of them: then the new line
	 * goes to a section of its own at the end instead
	 */
	if (!edit_is_exact(text, len, out, section, key, value)) {
		g_string_free(out, TRUE);
		out = apply(lines, &k, section, new_line, FALSE);
	}
	g_array_unref(k.drop);
	return out;
}

gboolean
stasadm_write_file(const char *path, const char *text, gssize len, GError **error)
{
	g_autofree char *real = realpath(path, NULL);
	const char *target = real ? real : path; /* replace a symlink's target, not the link */
	g_autofree char *dir = g_path_get_dirname(target);
	struct stat st;
	int mode = 0644;

	if (stat(target, &st) == 0)
		mode = st.st_mode & 07777;
	/* stas-config@.service may run before anything made /etc/nvme */
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int err = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			    "Cannot create %s: %s", dir, g_strerror(err));
		return FALSE;
	}
	return g_file_set_contents_full(target, text, len, G_FILE_SET_CONTENTS_CONSISTENT, mode,
					error);
}

gboolean
stasadm_conf_update(const char *path, const char *section, const char *key, const char *value,
		    GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GString) edited = NULL;
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
	if (text && edited->len == len && memcmp(edited->str, text, len) == 0)
		return TRUE;
	return stasadm_write_file(path, edited->str, edited->len, error);
}
