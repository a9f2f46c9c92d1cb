/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stas/stas-error.h"
#include "stas/stas-ini.h"
#include "stas/stas-validate.h"

struct _StasIni {
	gint ref;
	GStringChunk *strings; /* every string of entries and headers */
	GPtrArray *entries;    /* StasIniEntry* */
	GPtrArray *headers;    /* StasIniEntry* with key == value == NULL */
	GPtrArray *files;      /* const char* into strings */
	GPtrArray *diags;      /* StasDiag* */
};

/* the state of one pass over one file */
typedef struct {
	StasIni *ini;
	const char *file;
	const char *section;  /* NULL before the first header */
	gboolean bad_section; /* under a malformed header: skip quietly */
	const char *key;      /* the key an indented line continues, or NULL */
	gsize indent_level;
} IniParser;

StasDiag *
stas_diag_new(StasDiagLevel level, const char *text)
{
	StasDiag *diag = g_new0(StasDiag, 1);

	diag->level = level;
	diag->text = g_strdup(text);
	return diag;
}

void
stas_diag_free(StasDiag *diag)
{
	if (diag == NULL)
		return;
	g_free(diag->text);
	g_free(diag);
}

GPtrArray *
stas_diag_list_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)stas_diag_free);
}

void
stas_diag_list_add(GPtrArray *list, StasDiagLevel level, const char *fmt, ...)
{
	StasDiag *diag = g_new0(StasDiag, 1);
	va_list ap;

	va_start(ap, fmt);
	diag->level = level;
	diag->text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(list, diag);
}

StasIni *
stas_ini_new(void)
{
	StasIni *ini = g_new0(StasIni, 1);

	ini->ref = 1;
	ini->strings = g_string_chunk_new(1024);
	ini->entries = g_ptr_array_new_with_free_func(g_free);
	ini->headers = g_ptr_array_new_with_free_func(g_free);
	ini->files = g_ptr_array_new();
	ini->diags = stas_diag_list_new();
	return ini;
}

StasIni *
stas_ini_ref(StasIni *ini)
{
	g_return_val_if_fail(ini != NULL, NULL);
	g_atomic_int_inc(&ini->ref);
	return ini;
}

void
stas_ini_unref(StasIni *ini)
{
	if (ini == NULL || !g_atomic_int_dec_and_test(&ini->ref))
		return;
	g_ptr_array_unref(ini->entries);
	g_ptr_array_unref(ini->headers);
	g_ptr_array_unref(ini->files);
	g_ptr_array_unref(ini->diags);
	g_string_chunk_free(ini->strings);
	g_free(ini);
}

/* untrusted text for a message: quoted, non-printable bytes as \xNN, cut at 64 bytes */
static char *
quote(const char *s, gsize len)
{
	g_autofree char *lower = g_ascii_strdown(s, len);

	/* a DH-HMAC-CHAP secret typed where a key belongs must not reach a log */
	if (strstr(lower, "dhhc-") != NULL)
		return g_strdup("<redacted>");
	return stas_str_quote(s, len);
}

static gboolean
line_bytes_ok(IniParser *p, guint lineno, const char *line, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
					   "%s:%u: line contains a control character, ignored",
					   p->file, lineno);
			return FALSE;
		}
	}
	if (!g_utf8_validate_len(line, len, NULL)) {
		stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
				   "%s:%u: line is not valid UTF-8, ignored", p->file, lineno);
		return FALSE;
	}
	return TRUE;
}

static StasIniEntry *
entry_add(IniParser *p, guint lineno, const char *key, const char *value, gboolean cont)
{
	StasIniEntry *e = g_new0(StasIniEntry, 1);

	e->file = p->file;
	e->line = lineno;
	e->section = p->section;
	e->key = key;
	e->value = value;
	e->continuation = cont;
	g_ptr_array_add(p->ini->entries, e);
	return e;
}

/* Q3: upstream keeps "kato = 20  # x" as the value; say so */
static void
check_inline_comment(IniParser *p, const StasIniEntry *e)
{
	const char *v = e->value;

	if (v == NULL)
		return;
	for (; *v; v++) {
		if ((*v == ' ' || *v == '\t') && v[1] == '#') {
			stas_diag_list_add(
				p->ini->diags, STAS_DIAG_WARNING,
				"%s:%u: [%s] %s: \" #\" does not start a comment here "
				"(inline comments are not supported), it is part of the value",
				e->file, e->line, e->section, e->key);
			return;
		}
	}
}

static void
section_line(IniParser *p, guint lineno, const char *s, gsize len)
{
	const char *close = NULL;
	g_autofree char *q = NULL;

	p->key = NULL;
	/* like upstream's "\[(.+)\]" with match(): the name runs to the last ']' */
	for (gsize i = len; i > 1; i--) {
		if (s[i - 1] == ']') {
			close = s + i - 1;
			break;
		}
	}
	if (close == NULL || close == s + 1) {
		q = quote(s, len);
		stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
				   "%s:%u: malformed section header %s, ignored with the options "
				   "under it",
				   p->file, lineno, q);
		p->section = NULL;
		p->bad_section = TRUE;
		return;
	}

	p->section = g_string_chunk_insert_len(p->ini->strings, s + 1, close - s - 1);
	p->bad_section = FALSE;
	{
		StasIniEntry *h = g_new0(StasIniEntry, 1);

		h->file = p->file;
		h->line = lineno;
		h->section = p->section;
		g_ptr_array_add(p->ini->headers, h);
	}

	/* upstream drops whatever follows the ']'; a comment there is fine */
	if (close + 1 < s + len) {
		const char *rest = close + 1;
		gsize rlen = s + len - rest;

		while (rlen && (*rest == ' ' || *rest == '\t')) {
			rest++;
			rlen--;
		}
		if (*rest != '#' && *rest != ';') {
			q = quote(rest, rlen);
			stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
					   "%s:%u: text %s after section header [%s] ignored",
					   p->file, lineno, q, p->section);
		}
	}
}

static void
option_line(IniParser *p, guint lineno, const char *s, gsize len)
{
	const char *eq = memchr(s, '=', len);
	gsize klen = eq ? (gsize)(eq - s) : len;
	const char *value = NULL;
	g_autofree char *key = NULL;
	StasIniEntry *e;

	p->key = NULL;
	while (klen && g_ascii_isspace(s[klen - 1]))
		klen--;
	if (p->bad_section)
		return;
	if (p->section == NULL) {
		g_autofree char *q = quote(s, klen);

		stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
				   "%s:%u: option %s is not inside a [section], ignored", p->file,
				   lineno, q);
		return;
	}
	if (klen == 0) {
		stas_diag_list_add(p->ini->diags, STAS_DIAG_WARNING,
				   "%s:%u: [%s] option name missing before \"=\", line ignored",
				   p->file, lineno, p->section);
		return;
	}
	if (eq) {
		const char *v = eq + 1;
		gsize vlen = s + len - v;

		while (vlen && g_ascii_isspace(*v)) {
			v++;
			vlen--;
		}
		value = g_string_chunk_insert_len(p->ini->strings, v, vlen);
	}
	key = g_ascii_strdown(s, klen);
	p->key = g_string_chunk_insert_const(p->ini->strings, key);
	e = entry_add(p, lineno, p->key, value, FALSE);
	check_inline_comment(p, e);
}

static void
parse_line(IniParser *p, guint lineno, const char *line, gsize len)
{
	const char *s = line;
	gsize slen = len;
	gsize indent;

	/* "\r\n" line ends */
	if (len && line[len - 1] == '\r')
		slen = --len;
	while (slen && g_ascii_isspace(*s)) {
		s++;
		slen--;
	}
	while (slen && g_ascii_isspace(s[slen - 1]))
		slen--;
	/* blank lines and full-line comments neither end nor break a value */
	if (slen == 0 || *s == '#' || *s == ';')
		return;
	if (!line_bytes_ok(p, lineno, line, len)) {
		p->key = NULL;
		return;
	}

	indent = s - line;
	if (p->section && p->key && indent > p->indent_level) {
		const char *v = g_string_chunk_insert_len(p->ini->strings, s, slen);
		StasIniEntry *e = entry_add(p, lineno, p->key, v, TRUE);

		check_inline_comment(p, e);
		return;
	}
	p->indent_level = indent;
	if (*s == '[')
		section_line(p, lineno, s, slen);
	else
		option_line(p, lineno, s, slen);
}

void
stas_ini_add_data(StasIni *ini, const char *name, const char *data, gsize len)
{
	IniParser p = {.ini = ini};
	guint lineno = 0;
	gsize pos = 0;

	g_return_if_fail(ini != NULL);
	p.file = g_string_chunk_insert_const(ini->strings, name ? name : "<data>");
	g_ptr_array_add(ini->files, (gpointer)p.file);
	if (data == NULL)
		return;

	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);
		gsize end = nl ? (gsize)(nl - data) : len;

		parse_line(&p, ++lineno, data + pos, end - pos);
		pos = end + 1;
	}
}

static gboolean
read_bounded(int fd, const char *path, char **data, gsize *len, GError **error)
{
	gsize cap = STAS_INI_MAX_FILE_SIZE + 1;
	g_autofree char *buf = g_malloc(cap);
	gsize n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "%s: %s", path,
				    g_strerror(err));
			return FALSE;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n > STAS_INI_MAX_FILE_SIZE) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "%s: larger than %d bytes, not read", path, STAS_INI_MAX_FILE_SIZE);
		return FALSE;
	}
	*data = g_steal_pointer(&buf);
	*len = n;
	return TRUE;
}

gboolean
stas_ini_add_file(StasIni *ini, const char *path, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	struct stat st;
	int fd;
	gboolean ok;

	g_return_val_if_fail(ini != NULL && path != NULL, FALSE);
	/* O_NONBLOCK: a fifo in place of a config file must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		g_set_error(error, STAS_ERROR, err == ENOENT ? STAS_ERROR_NOT_FOUND : STAS_ERROR_IO,
			    "%s: %s", path, g_strerror(err));
		return FALSE;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: not a regular file", path);
		return FALSE;
	}
	ok = read_bounded(fd, path, &data, &len, error);
	close(fd);
	if (!ok)
		return FALSE;
	stas_ini_add_data(ini, path, data, len);
	return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
stas_ini_add_dropin_dir(StasIni *ini, const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	g_return_if_fail(ini != NULL && dir != NULL);
	d = g_dir_open(dir, 0, &error);
	if (d == NULL) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			stas_diag_list_add(ini->diags, STAS_DIAG_WARNING,
					   "%s, drop-in directory ignored", error->message);
		return;
	}
	while ((name = g_dir_read_name(d)) != NULL) {
		if (name[0] == '.' || !g_str_has_suffix(name, ".conf"))
			continue;
		g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, compare_names);
	if (names->len > STAS_INI_MAX_DROPINS) {
		stas_diag_list_add(ini->diags, STAS_DIAG_WARNING,
				   "%s: more than %d drop-in files, only the first %d are read",
				   dir, STAS_INI_MAX_DROPINS, STAS_INI_MAX_DROPINS);
		g_ptr_array_set_size(names, STAS_INI_MAX_DROPINS);
	}
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
		g_autoptr(GError) ferr = NULL;

		if (!stas_ini_add_file(ini, path, &ferr))
			stas_diag_list_add(ini->diags, STAS_DIAG_WARNING, "%s, ignored",
					   ferr->message);
	}
}

guint
stas_ini_get_n_entries(const StasIni *ini)
{
	return ini->entries->len;
}

const StasIniEntry *
stas_ini_get_entry(const StasIni *ini, guint index)
{
	g_return_val_if_fail(index < ini->entries->len, NULL);
	return ini->entries->pdata[index];
}

static gboolean
entry_is(const StasIniEntry *e, const char *section, const char *key)
{
	return g_str_equal(e->section, section) && g_ascii_strcasecmp(e->key, key) == 0;
}

const StasIniEntry *
stas_ini_get_last(const StasIni *ini, const char *section, const char *key)
{
	for (guint i = ini->entries->len; i > 0; i--) {
		const StasIniEntry *e = ini->entries->pdata[i - 1];

		if (entry_is(e, section, key))
			return e;
	}
	return NULL;
}

GPtrArray *
stas_ini_get_all(const StasIni *ini, const char *section, const char *key)
{
	GPtrArray *all = g_ptr_array_new();

	for (guint i = 0; i < ini->entries->len; i++) {
		const StasIniEntry *e = ini->entries->pdata[i];

		if (entry_is(e, section, key))
			g_ptr_array_add(all, (gpointer)e);
	}
	return all;
}

gboolean
stas_ini_has_section(const StasIni *ini, const char *section)
{
	for (guint i = 0; i < ini->headers->len; i++) {
		const StasIniEntry *h = ini->headers->pdata[i];

		if (g_str_equal(h->section, section))
			return TRUE;
	}
	return FALSE;
}

guint
stas_ini_get_n_headers(const StasIni *ini)
{
	return ini->headers->len;
}

const StasIniEntry *
stas_ini_get_header(const StasIni *ini, guint index)
{
	g_return_val_if_fail(index < ini->headers->len, NULL);
	return ini->headers->pdata[index];
}

const GPtrArray *
stas_ini_get_files(const StasIni *ini)
{
	return ini->files;
}

const GPtrArray *
stas_ini_get_diagnostics(const StasIni *ini)
{
	return ini->diags;
}
