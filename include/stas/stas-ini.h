/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stas-ini: the INI reader of stafd.conf, stacd.conf and sys.conf, with
 * the dialect of upstream's configparser setup (REFERENCE 2.2):
 *
 * - section names are case-sensitive, two sections of the same name merge;
 * - option names are folded to lower case;
 * - '=' is the only delimiter, split at the first '='; key and value are
 *   stripped; ';' and '#' inside a value are literal (full-line comments
 *   only, starting with '#' or ';');
 * - a key without '=' has no value (NULL);
 * - every occurrence of a key is kept, in file order;
 * - a line indented deeper than the key line above it is a continuation:
 *   another value of that key (own entry, own line number).
 *
 * the upstream crashes are fixed (Q3): keys outside a section, malformed
 * section headers, empty keys, bad bytes are reported as diagnostics with
 * file:line and the line is skipped; a value containing " #" gets a
 * warning (inline comments are not supported).  nothing here logs.
 *
 * a StasIni is filled by one thread (the stas_ini_add_* calls), then only
 * read; reads may happen from any thread.  refcounted.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the upper bound on one file; larger files are refused as a whole */
#define STAS_INI_MAX_FILE_SIZE (1024 * 1024)
/* drop-in directories: at most this many files are read */
#define STAS_INI_MAX_DROPINS 256

/* a message for the daemon to log; the loaders never log themselves */
typedef enum {
	STAS_DIAG_DEBUG,
	STAS_DIAG_INFO,
	STAS_DIAG_WARNING,
	STAS_DIAG_ERROR,
} StasDiagLevel;

typedef struct {
	StasDiagLevel level;
	char *text; /* names its source (file:line or "File:<file> [<section>]") */
} StasDiag;

StasDiag *stas_diag_new(StasDiagLevel level, const char *text);
void stas_diag_free(StasDiag *diag);
/* a GPtrArray of StasDiag* that frees them */
GPtrArray *stas_diag_list_new(void);
void stas_diag_list_add(GPtrArray *list, StasDiagLevel level, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

typedef struct {
	const char *file;      /* the path it came from (or the name given to _add_data) */
	guint line;	       /* 1-based */
	const char *section;   /* as written, case-sensitive */
	const char *key;       /* lower case */
	const char *value;     /* stripped; NULL for a key without '=' */
	gboolean continuation; /* an indented line continuing the key above */
} StasIniEntry;

typedef struct _StasIni StasIni;

StasIni *stas_ini_new(void);
StasIni *stas_ini_ref(StasIni *ini);
void stas_ini_unref(StasIni *ini);

/* parse text held in memory; name stands for the file in entries and diagnostics */
void stas_ini_add_data(StasIni *ini, const char *name, const char *data, gsize len);

/*
 * parse one file.  a missing file fails with STAS_ERROR_NOT_FOUND, any
 * other problem (not a regular file, unreadable, too large) with
 * STAS_ERROR_IO / STAS_ERROR_INVALID; nothing is added then.
 */
gboolean stas_ini_add_file(StasIni *ini, const char *path, GError **error);

/*
 * SPEC B9: every "*.conf" regular file of dir (hidden files skipped), in
 * byte order of their names, after what is already loaded.  a missing dir
 * is fine; unreadable files are reported as diagnostics and skipped.
 */
void stas_ini_add_dropin_dir(StasIni *ini, const char *dir);

/* every entry in load order */
guint stas_ini_get_n_entries(const StasIni *ini);
const StasIniEntry *stas_ini_get_entry(const StasIni *ini, guint index);

/* the last occurrence of key (any case) in section, or NULL */
const StasIniEntry *stas_ini_get_last(const StasIni *ini, const char *section, const char *key);

/* all occurrences in order: a new array of const StasIniEntry* (owned by ini) */
GPtrArray *stas_ini_get_all(const StasIni *ini, const char *section, const char *key);

/* TRUE if a [section] header appeared (even with nothing under it) */
gboolean stas_ini_has_section(const StasIni *ini, const char *section);

/*
 * the [section] headers in load order, one entry per header line
 * (key and value are NULL): what the invalid-section report needs.
 */
guint stas_ini_get_n_headers(const StasIni *ini);
const StasIniEntry *stas_ini_get_header(const StasIni *ini, guint index);

/* the files read, in load order (const char*) */
const GPtrArray *stas_ini_get_files(const StasIni *ini);

/* the reader's own diagnostics (StasDiag*), in order */
const GPtrArray *stas_ini_get_diagnostics(const StasIni *ini);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasIni, stas_ini_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StasDiag, stas_diag_free)

G_END_DECLS
