/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include "stas/stas-tid.h"

/* keys that make up identity; everything else is cfg */
static const char *const identity_keys[] = {
	"transport", "traddr", "trsvcid", "subsysnqn", "host-traddr", "host-iface", "host-nqn",
};

static gboolean
is_identity_key(const char *key)
{
	for (gsize i = 0; i < G_N_ELEMENTS(identity_keys); i++)
		if (g_str_equal(key, identity_keys[i]))
			return TRUE;
	return FALSE;
}

gboolean
stas_tid_key_is_secret(const char *key)
{
	return g_str_equal(key, "dhchap-secret") || g_str_equal(key, "dhchap-ctrl-secret");
}

static const char *
default_trsvcid(const char *transport, const char *trsvcid, StasTidKind kind)
{
	if (g_str_equal(transport, "tcp")) {
		if (*trsvcid)
			return trsvcid;
		return kind == STAS_TID_KIND_IOC ? STAS_IO_PORT : STAS_TCP_DISC_PORT;
	}
	if (g_str_equal(transport, "rdma"))
		return *trsvcid ? trsvcid : STAS_IO_PORT;
	/* fc, loop and anything else have no service id */
	return "";
}

static guint
str_hash_mix(guint h, const char *s)
{
	/* djb2 over the string plus a separator so ("a","bc") != ("ab","c") */
	for (; *s; s++)
		h = h * 33 + (guchar)*s;
	return h * 33 + 0x1f;
}

static void
tid_finish(StasTid *tid)
{
	GString *s = g_string_new("(");
	guint h = 5381;

	g_string_append_printf(s, "%s, %s, %s", tid->transport, tid->traddr, tid->trsvcid);
	if (*tid->subsysnqn)
		g_string_append_printf(s, ", %s", tid->subsysnqn);
	if (*tid->host_iface)
		g_string_append_printf(s, ", %s", tid->host_iface);
	if (*tid->host_traddr)
		g_string_append_printf(s, ", %s", tid->host_traddr);
	g_string_append_c(s, ')');
	tid->str = g_string_free(s, FALSE);

	h = str_hash_mix(h, tid->transport);
	h = str_hash_mix(h, tid->traddr);
	h = str_hash_mix(h, tid->trsvcid);
	h = str_hash_mix(h, tid->subsysnqn);
	h = str_hash_mix(h, tid->host_traddr);
	h = str_hash_mix(h, tid->host_iface);
	h = str_hash_mix(h, tid->host_nqn);
	tid->hash = h;
}

static StasTid *
tid_alloc(void)
{
	StasTid *tid = g_new0(StasTid, 1);

	tid->ref = 1;
	tid->cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return tid;
}

static const char *
map_get(GHashTable *map, const char *key)
{
	const char *v = map ? g_hash_table_lookup(map, key) : NULL;

	return v ? v : "";
}

StasTid *
stas_tid_new_from_map(GHashTable *map, const StasTidDefaults *defaults)
{
	StasTid *tid = tid_alloc();
	const char *transport = map_get(map, "transport");
	const char *host_nqn;
	GHashTableIter iter;
	gpointer k, v;

	tid->transport = g_strdup(transport);
	tid->traddr = g_strdup(map_get(map, "traddr"));
	tid->trsvcid =
		g_strdup(default_trsvcid(transport, map_get(map, "trsvcid"), defaults->kind));
	tid->subsysnqn = g_strdup(map_get(map, "subsysnqn"));
	tid->host_traddr = g_strdup(map_get(map, "host-traddr"));
	tid->host_iface = g_strdup(defaults->ignore_iface ? "" : map_get(map, "host-iface"));

	/* host-nqn present (even empty) wins over the sys.conf host NQN */
	if (map && g_hash_table_contains(map, "host-nqn"))
		host_nqn = map_get(map, "host-nqn");
	else
		host_nqn = defaults->host_nqn ? defaults->host_nqn : "";
	tid->host_nqn = g_strdup(host_nqn);

	if (map) {
		g_hash_table_iter_init(&iter, map);
		while (g_hash_table_iter_next(&iter, &k, &v))
			if (!is_identity_key(k))
				g_hash_table_insert(tid->cfg, g_strdup(k), g_strdup(v ? v : ""));
	}
	tid_finish(tid);
	return tid;
}

StasTid *
stas_tid_new(const char *transport, const char *traddr, const char *trsvcid, const char *subsysnqn,
	     const char *host_traddr, const char *host_iface, const char *host_nqn,
	     const StasTidDefaults *defaults)
{
	StasTid *tid = tid_alloc();

	transport = transport ? transport : "";
	tid->transport = g_strdup(transport);
	tid->traddr = g_strdup(traddr ? traddr : "");
	tid->trsvcid = g_strdup(default_trsvcid(transport, trsvcid ? trsvcid : "", defaults->kind));
	tid->subsysnqn = g_strdup(subsysnqn ? subsysnqn : "");
	tid->host_traddr = g_strdup(host_traddr ? host_traddr : "");
	tid->host_iface = g_strdup((defaults->ignore_iface || !host_iface) ? "" : host_iface);
	tid->host_nqn = g_strdup(host_nqn ? host_nqn : "");
	tid_finish(tid);
	return tid;
}

StasTid *
stas_tid_new_with_traddr(const StasTid *src, const char *traddr)
{
	StasTid *tid = tid_alloc();
	GHashTableIter iter;
	gpointer k, v;

	tid->transport = g_strdup(src->transport);
	tid->traddr = g_strdup(traddr ? traddr : "");
	tid->trsvcid = g_strdup(src->trsvcid);
	tid->subsysnqn = g_strdup(src->subsysnqn);
	tid->host_traddr = g_strdup(src->host_traddr);
	tid->host_iface = g_strdup(src->host_iface);
	tid->host_nqn = g_strdup(src->host_nqn);
	g_hash_table_iter_init(&iter, src->cfg);
	while (g_hash_table_iter_next(&iter, &k, &v))
		g_hash_table_insert(tid->cfg, g_strdup(k), g_strdup(v));
	tid_finish(tid);
	return tid;
}

StasTid *
stas_tid_ref(StasTid *tid)
{
	g_return_val_if_fail(tid != NULL, NULL);
	g_atomic_int_inc(&tid->ref);
	return tid;
}

void
stas_tid_unref(StasTid *tid)
{
	if (tid == NULL || !g_atomic_int_dec_and_test(&tid->ref))
		return;
	g_free((char *)tid->transport);
	g_free((char *)tid->traddr);
	g_free((char *)tid->trsvcid);
	g_free((char *)tid->subsysnqn);
	g_free((char *)tid->host_traddr);
	g_free((char *)tid->host_iface);
	g_free((char *)tid->host_nqn);
	g_hash_table_unref(tid->cfg);
	g_free(tid->str);
	g_free(tid);
}

guint
stas_tid_hash(gconstpointer p)
{
	return ((const StasTid *)p)->hash;
}

gboolean
stas_tid_equal(gconstpointer pa, gconstpointer pb)
{
	const StasTid *a = pa, *b = pb;

	if (a == b)
		return TRUE;
	return a->hash == b->hash && g_str_equal(a->transport, b->transport) &&
	       g_str_equal(a->traddr, b->traddr) && g_str_equal(a->trsvcid, b->trsvcid) &&
	       g_str_equal(a->subsysnqn, b->subsysnqn) &&
	       g_str_equal(a->host_traddr, b->host_traddr) &&
	       g_str_equal(a->host_iface, b->host_iface) && g_str_equal(a->host_nqn, b->host_nqn);
}

const char *
stas_tid_to_string(const StasTid *tid)
{
	return tid->str;
}

const char *
stas_tid_get_cfg(const StasTid *tid, const char *key)
{
	return g_hash_table_lookup(tid->cfg, key);
}

GHashTable *
stas_tid_get_cfg_table(const StasTid *tid)
{
	return tid->cfg;
}

GHashTable *
stas_tid_to_map(const StasTid *tid, gboolean redact)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter iter;
	gpointer k, v;

	g_hash_table_insert(map, g_strdup("traddr"), g_strdup(tid->traddr));
	g_hash_table_insert(map, g_strdup("trsvcid"), g_strdup(tid->trsvcid));
	g_hash_table_insert(map, g_strdup("transport"), g_strdup(tid->transport));
	g_hash_table_insert(map, g_strdup("subsysnqn"), g_strdup(tid->subsysnqn));
	g_hash_table_insert(map, g_strdup("host-iface"), g_strdup(tid->host_iface));
	g_hash_table_insert(map, g_strdup("host-traddr"), g_strdup(tid->host_traddr));
	g_hash_table_iter_init(&iter, tid->cfg);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		const char *val =
			(redact && stas_tid_key_is_secret(k) && *(char *)v) ? STAS_REDACTED : v;

		g_hash_table_insert(map, g_strdup(k), g_strdup(val));
	}
	g_hash_table_insert(map, g_strdup("host-nqn"), g_strdup(tid->host_nqn));
	return map;
}
