/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stasadm-conf: stasadm's edits of sys.conf, made in place (Q19): only the
 * lines of the key being set or removed change; comments, blank lines,
 * other sections and keys, and their order stay as they were.  the file is
 * read with the same INI dialect as the daemons (stas-ini.h), so "the key"
 * is what the daemons would read (case-insensitive, every [section] block
 * of that name, continuation lines included).
 *
 * set: the last occurrence is rewritten as "key = value" and the others
 * are removed; without one the line goes at the end of the last [section]
 * block; without a section, "[section]" is appended.  remove: every
 * occurrence goes; nothing else changes (a missing file stays missing).
 *
 * pure functions, any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the new text; value NULL removes the key */
GString *stasadm_conf_edit(const char *text, gsize len, const char *section, const char *key,
			   const char *value);

/* read path (missing: empty), edit, write back atomically with the same mode */
gboolean stasadm_conf_update(const char *path, const char *section, const char *key,
			     const char *value, GError **error);

/*
 * write text (len -1: NUL-terminated) to path atomically, create or
 * replace, keeping an existing file's mode; a symlink's target is written
 */
gboolean stasadm_write_file(const char *path, const char *text, gssize len, GError **error);

G_END_DECLS
