/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-ctrl-spec.h"
#include "stas/stas-validate.h"
#include "stas/stas-iputil.h"

/* a token for a message: quoted, non-printable bytes as \xNN, cut at 64 bytes */
static char *
quote_token(const char *s)
{
	/* a mistyped "dhchap-secret DHHC-1:..." must not end up in a log */
	if (strcasestr(s, "DHHC-") != NULL)
		return g_strdup("<redacted>");
	return stas_str_quote(s, -1);
}

static void warn(GPtrArray *warnings, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
warn(GPtrArray *warnings, const char *fmt, ...)
{
	va_list ap;

	if (warnings == NULL)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(warnings, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void
parse_token(GHashTable *map, char *token, GPtrArray *warnings)
{
	char *eq = strchr(token, '=');
	char *key, *value;

	if (eq == NULL) {
		g_autofree char *q = quote_token(token);

		warn(warnings, "token %s has no \"=\", ignored", q);
		return;
	}
	*eq = '\0';
	key = g_strstrip(token);
	value = g_strstrip(eq + 1);
	if (*key == '\0') {
		warn(warnings, "token without a key before \"=\", ignored");
		return;
	}
	if (g_str_equal(key, "nqn"))
		key = (char *)"subsysnqn";
	if (g_hash_table_contains(map, key)) {
		g_autofree char *q = quote_token(key);

		warn(warnings, "key %s given more than once, the last value is used", q);
	}
	g_hash_table_insert(map, g_strdup(key), g_strdup(value));
}

GHashTable *
stas_ctrl_spec_parse(const char *text, GPtrArray *warnings)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) tokens = NULL;

	if (text == NULL)
		return map;
	tokens = g_strsplit(text, ";", -1);
	for (guint i = 0; tokens[i]; i++) {
		char *token = g_strstrip(tokens[i]);

		if (*token)
			parse_token(map, token, warnings);
	}
	return map;
}

GHashTable *
stas_ctrl_spec_parse_exclude(const char *text, GPtrArray *warnings)
{
	GHashTable *map = stas_ctrl_spec_parse(text, warnings);

	if (g_hash_table_remove(map, "host-traddr"))
		warn(warnings, "host-traddr does not take part in exclusion, ignored");
	return map;
}

static const char *
tid_value(const StasTid *tid, const char *key)
{
	if (g_str_equal(key, "transport"))
		return tid->transport;
	if (g_str_equal(key, "traddr"))
		return tid->traddr;
	if (g_str_equal(key, "trsvcid"))
		return tid->trsvcid;
	if (g_str_equal(key, "subsysnqn"))
		return tid->subsysnqn;
	if (g_str_equal(key, "host-traddr"))
		return tid->host_traddr;
	if (g_str_equal(key, "host-iface"))
		return tid->host_iface;
	if (g_str_equal(key, "host-nqn"))
		return tid->host_nqn;
	return stas_tid_get_cfg(tid, key);
}

static gboolean
value_matches(const StasTid *tid, const char *key, const char *want, const char *have)
{
	gboolean is_addr = g_str_equal(key, "traddr") || g_str_equal(key, "host-traddr");

	if (g_str_equal(want, have))
		return TRUE;
	if (!is_addr)
		return FALSE;
	/* Q20: "::ffff:1.2.3.4" and "1.2.3.4", "FE80::1" and "fe80::1" are one address */
	if (g_str_equal(tid->transport, "tcp") || g_str_equal(tid->transport, "rdma"))
		return stas_ip_equal(want, have);
	if (g_str_equal(tid->transport, "fc"))
		return g_ascii_strcasecmp(want, have) == 0;
	return FALSE;
}

gboolean
stas_ctrl_spec_excludes(GHashTable *exclude, const StasTid *tid)
{
	GHashTableIter iter;
	gpointer k, v;

	if (exclude == NULL || tid == NULL || g_hash_table_size(exclude) == 0)
		return FALSE;
	g_hash_table_iter_init(&iter, exclude);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		const char *have = tid_value(tid, k);

		if (have == NULL || !value_matches(tid, k, v ? v : "", have))
			return FALSE;
	}
	return TRUE;
}

gboolean
stas_ctrl_spec_excluded(const GPtrArray *excludes, const StasTid *tid)
{
	if (excludes == NULL)
		return FALSE;
	for (guint i = 0; i < excludes->len; i++)
		if (stas_ctrl_spec_excludes(excludes->pdata[i], tid))
			return TRUE;
	return FALSE;
}

gboolean
stas_ctrl_spec_map_equal(GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer k, v;
	guint na = a ? g_hash_table_size(a) : 0;
	guint nb = b ? g_hash_table_size(b) : 0;

	if (na != nb)
		return FALSE;
	if (na == 0)
		return TRUE;
	g_hash_table_iter_init(&iter, a);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		gpointer other;

		if (!g_hash_table_lookup_extended(b, k, NULL, &other))
			return FALSE;
		if (g_strcmp0(v, other) != 0)
			return FALSE;
	}
	return TRUE;
}
