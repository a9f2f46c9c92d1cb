/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-mdns-txt.h"
#include "stas/stas-tid.h"
#include "stas/stas-validate.h"

struct _StasMdnsTxt {
	GPtrArray *keys;	/* char*, in first-seen order (python dict order) */
	GHashTable *values;	/* key -> value, owns both */
	GPtrArray *diagnostics; /* char* */
};

void
stas_mdns_txt_free(StasMdnsTxt *txt)
{
	if (txt == NULL)
		return;
	g_ptr_array_unref(txt->keys);
	g_hash_table_unref(txt->values);
	g_ptr_array_unref(txt->diagnostics);
	g_free(txt);
}

static void diag(StasMdnsTxt *txt, const char *source, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* a diagnostic line, prefixed with the source when there is one */
static void
diag(StasMdnsTxt *txt, const char *source, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (source)
		g_ptr_array_add(txt->diagnostics, g_strdup_printf("%s: %s", source, msg));
	else
		g_ptr_array_add(txt->diagnostics, g_steal_pointer(&msg));
}

/* NULL if the item is kept, else why it is skipped */
static const char *
item_problem(const guint8 *data, gsize len)
{
	const guint8 *eq;

	if (len > STAS_MDNS_TXT_ITEM_MAX)
		return "longer than 255 bytes";
	if (!stas_str_is_printable_ascii((const char *)data, (gssize)len))
		return "not printable ASCII";
	eq = memchr(data, '=', len);
	if (eq == NULL || memchr(eq + 1, '=', len - (gsize)(eq - data) - 1) != NULL)
		return "not exactly one '='";
	if (eq == data)
		return "empty key";
	return NULL;
}

static void
txt_add(StasMdnsTxt *txt, const guint8 *data, gsize len)
{
	const guint8 *eq = memchr(data, '=', len);
	char *key = g_ascii_strdown((const char *)data, eq - data);
	char *value = g_strndup((const char *)eq + 1, len - (gsize)(eq - data) - 1);

	/* python dict: a key keeps its first place (and string), the last value wins */
	if (!g_hash_table_contains(txt->values, key))
		g_ptr_array_add(txt->keys, key);
	g_hash_table_insert(txt->values, key, value);
}

StasMdnsTxt *
stas_mdns_txt_parse(GPtrArray *items, const char *source)
{
	StasMdnsTxt *txt = g_new0(StasMdnsTxt, 1);
	gsize total = 0;

	txt->keys = g_ptr_array_new();
	txt->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	txt->diagnostics = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; items && i < items->len; i++) {
		gsize len = 0;
		const guint8 *data =
			items->pdata[i] ? g_bytes_get_data(items->pdata[i], &len) : NULL;
		const char *problem;

		total += MIN(len, STAS_MDNS_TXT_TOTAL_MAX) + 1;
		if (total > STAS_MDNS_TXT_TOTAL_MAX) {
			diag(txt, source,
			     "mDNS TXT record longer than %d bytes: items from %u on ignored",
			     STAS_MDNS_TXT_TOTAL_MAX, i);
			break;
		}
		/* an empty item is how a record without pairs looks: no noise */
		if (len == 0)
			continue;
		problem = item_problem(data, len);
		if (problem) {
			g_autofree char *quoted = stas_str_quote((const char *)data, (gssize)len);

			diag(txt, source, "mDNS TXT item %u %s skipped: %s", i, quoted, problem);
			continue;
		}
		txt_add(txt, data, len);
	}
	return txt;
}

const char *
stas_mdns_txt_lookup(const StasMdnsTxt *txt, const char *key)
{
	return g_hash_table_lookup(txt->values, key);
}

guint
stas_mdns_txt_size(const StasMdnsTxt *txt)
{
	return txt->keys->len;
}

GPtrArray *
stas_mdns_txt_get_diagnostics(const StasMdnsTxt *txt)
{
	return txt->diagnostics;
}

/* python's repr() of a printable ASCII str */
static void
append_py_repr(GString *out, const char *s)
{
	char quote = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';

	g_string_append_c(out, quote);
	for (; *s; s++) {
		if (*s == '\\' || *s == quote)
			g_string_append_c(out, '\\');
		g_string_append_c(out, *s);
	}
	g_string_append_c(out, quote);
}

char *
stas_mdns_txt_to_string(const StasMdnsTxt *txt)
{
	GString *out = g_string_new("{");

	for (guint i = 0; i < txt->keys->len; i++) {
		const char *key = txt->keys->pdata[i];

		if (i)
			g_string_append(out, ", ");
		append_py_repr(out, key);
		g_string_append(out, ": ");
		append_py_repr(out, g_hash_table_lookup(txt->values, key));
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

const char *
stas_mdns_protocol_to_transport(const char *protocol)
{
	g_autofree char *p = NULL;

	if (protocol == NULL)
		return NULL;
	p = g_ascii_strdown(protocol, -1);
	g_strstrip(p);
	if (g_str_equal(p, "tcp"))
		return "tcp";
	if (g_str_equal(p, "roce") || g_str_equal(p, "iwarp") || g_str_equal(p, "rdma"))
		return "rdma";
	return NULL;
}

/* printable ASCII as is, anything else as \xNN: for messages that must read as upstream's */
static char *
plain_escape(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; s && *s; s++) {
		if ((guchar)*s < 0x20 || (guchar)*s > 0x7e)
			g_string_append_printf(out, "\\x%02x", (guchar)*s);
		else
			g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

static gboolean
check_address(const char *transport, const char *traddr, GError **error)
{
	static const guint8 zero[16] = {0};
	StasIpAddr addr;

	if (!stas_validate_traddr(transport, traddr, error))
		return FALSE;
	if (stas_ip_parse(traddr, TRUE, &addr) &&
	    memcmp(addr.bytes, zero, addr.family == AF_INET ? 4 : 16) == 0) {
		g_autofree char *quoted = stas_str_quote(traddr, -1);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "traddr %s: the unspecified address", quoted);
		return FALSE;
	}
	return TRUE;
}

static gboolean
check_port(guint port, GError **error)
{
	if (port >= 1 && port <= 65535)
		return TRUE;
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "port %u: not in 1..65535", port);
	return FALSE;
}

/* the nqn of the TXT record if the kernel can use it, else the well-known one */
static char *
pick_nqn(const StasMdnsTxt *txt, gboolean tp8013, GError **error)
{
	const char *nqn = stas_mdns_txt_lookup(txt, "nqn");
	g_autofree char *trimmed = NULL;

	if (!tp8013 || nqn == NULL)
		return g_strdup(STAS_WELL_KNOWN_DISC_NQN);
	trimmed = g_strstrip(g_strdup(nqn));
	if (*trimmed == '\0')
		return g_strdup(STAS_WELL_KNOWN_DISC_NQN);
	if (!stas_validate_nqn(trimmed, error))
		return NULL;
	return g_steal_pointer(&trimmed);
}

static GHashTable *
identity_map(const char *transport, const char *traddr, guint port, const char *iface, char *nqn)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	g_hash_table_insert(map, g_strdup("transport"), g_strdup(transport));
	g_hash_table_insert(map, g_strdup("traddr"), g_strdup(traddr));
	g_hash_table_insert(map, g_strdup("trsvcid"), g_strdup_printf("%u", port));
	/* the kernel refuses host_iface for rdma */
	g_hash_table_insert(map, g_strdup("host-iface"),
			    g_strdup(g_str_equal(transport, "tcp") ? iface : ""));
	g_hash_table_insert(map, g_strdup("subsysnqn"), nqn);
	return map;
}

GHashTable *
stas_mdns_txt_identify(const StasMdnsTxt *txt, const char *iface, const char *address, guint port,
		       gboolean tp8013, GError **error)
{
	const char *transport = stas_mdns_protocol_to_transport(stas_mdns_txt_lookup(txt, "p"));
	g_autofree char *safe_addr = plain_escape(address);
	g_autofree char *safe_iface = plain_escape(iface);
	g_autofree char *traddr = g_strstrip(g_strdup(address ? address : ""));
	g_autoptr(GError) local = NULL;
	const char *what = NULL;
	char *nqn = NULL;

	if (transport == NULL) {
		g_autofree char *dict = stas_mdns_txt_to_string(txt);

		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Received invalid/undefined protocol in mDNS TXT field: address=%s, "
			    "iface=%s, TXT=%s",
			    safe_addr, safe_iface, dict);
		return NULL;
	}
	if (!check_address(transport, traddr, &local))
		what = "address";
	else if (!check_port(port, &local))
		what = "port";
	else if (g_str_equal(transport, "tcp") && !stas_validate_iface(iface, &local))
		what = "interface";
	else if ((nqn = pick_nqn(txt, tp8013, &local)) == NULL)
		what = "nqn";
	if (what) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Invalid %s in mDNS record: address=%s, iface=%s: %s", what, safe_addr,
			    safe_iface, local->message);
		return NULL;
	}
	return identity_map(transport, traddr, port, iface, nqn);
}
