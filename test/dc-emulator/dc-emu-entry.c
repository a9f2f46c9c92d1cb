/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-entry: discovery log entries of the DC emulator (dc-emu-entry.h).
 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"

#include "dc-emu-entry.h"

typedef struct {
	const char *name;
	guint value;
} NameValue;

static const NameValue trtype_names[] = {
	{"rdma", 1}, {"fc", 2}, {"tcp", 3}, {"loop", 254}, {NULL, 0},
};

static const NameValue adrfam_names[] = {
	{"pci", 0}, {"ipv4", 1}, {"ipv6", 2}, {"ib", 3}, {"fc", 4}, {"loop", 254}, {NULL, 0},
};

static const NameValue subtype_names[] = {
	{"referral", 1}, {"discovery", 1}, {"nvme", 2}, {"current", 3}, {NULL, 0},
};

DceEntry *
dce_entry_new(void)
{
	DceEntry *e = g_new0(DceEntry, 1);

	e->trtype = 3;
	e->adrfam = 1;
	e->subtype = 2;
	e->cntlid = 0xffff;
	e->asqsz = 32;
	e->local = TRUE;
	e->trsvcid = g_strdup("");
	e->subnqn = g_strdup("");
	e->traddr = g_strdup("");
	return e;
}

DceEntry *
dce_entry_copy(const DceEntry *e)
{
	DceEntry *c = g_memdup2(e, sizeof(*e));

	c->trsvcid = g_strdup(e->trsvcid);
	c->subnqn = g_strdup(e->subnqn);
	c->traddr = g_strdup(e->traddr);
	return c;
}

void
dce_entry_free(DceEntry *e)
{
	if (e == NULL)
		return;
	g_free(e->trsvcid);
	g_free(e->subnqn);
	g_free(e->traddr);
	g_free(e);
}

/* an integer member in 0..max, or a name from names */
static gboolean
member_uint(JsonNode *node, const char *key, const NameValue *names, guint max, guint *out,
	    GError **error)
{
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
		gint64 v = json_node_get_int(node);

		if (v >= 0 && v <= max) {
			*out = (guint)v;
			return TRUE;
		}
	} else if (names != NULL && JSON_NODE_HOLDS_VALUE(node) &&
		   json_node_get_value_type(node) == G_TYPE_STRING) {
		const char *s = json_node_get_string(node);

		for (const NameValue *n = names; n->name != NULL; n++) {
			if (g_ascii_strcasecmp(s, n->name) == 0) {
				*out = n->value;
				return TRUE;
			}
		}
	}
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "entry: %s must be a number in 0..%u%s",
		    key, max, names != NULL ? " or a known name" : "");
	return FALSE;
}

static gboolean
member_string(JsonNode *node, const char *key, gsize max, char **out, GError **error)
{
	const char *s;

	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "entry: %s must be a string",
			    key);
		return FALSE;
	}
	s = json_node_get_string(node);
	if (strlen(s) > max) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "entry: %s longer than its %zu-byte field", key, max);
		return FALSE;
	}
	g_free(*out);
	*out = g_strdup(s);
	return TRUE;
}

static gboolean
member_bool(JsonNode *node, const char *key, gboolean *out, GError **error)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "entry: %s must be a boolean",
			    key);
		return FALSE;
	}
	*out = json_node_get_boolean(node);
	return TRUE;
}

/* one member into e; FALSE for an unknown key or a bad value */
static gboolean
entry_set(DceEntry *e, const char *key, JsonNode *node, GError **error)
{
	guint v = 0;

#define U8(k, names, field)                                                                        \
	if (strcmp(key, k) == 0) {                                                                 \
		if (!member_uint(node, key, names, G_MAXUINT8, &v, error))                         \
			return FALSE;                                                              \
		e->field = (guint8)v;                                                              \
		return TRUE;                                                                       \
	}
#define U16(k, field)                                                                              \
	if (strcmp(key, k) == 0) {                                                                 \
		if (!member_uint(node, key, NULL, G_MAXUINT16, &v, error))                         \
			return FALSE;                                                              \
		e->field = (guint16)v;                                                             \
		return TRUE;                                                                       \
	}
	U8("trtype", trtype_names, trtype);
	U8("adrfam", adrfam_names, adrfam);
	U8("subtype", subtype_names, subtype);
	U8("treq", NULL, treq);
	U8("sectype", NULL, sectype);
	U16("portid", portid);
	U16("cntlid", cntlid);
	U16("asqsz", asqsz);
	U16("eflags", eflags);
#undef U8
#undef U16
	if (strcmp(key, "trsvcid") == 0)
		return member_string(node, key, DCE_TRSVCID_LEN, &e->trsvcid, error);
	if (strcmp(key, "subnqn") == 0)
		return member_string(node, key, DCE_NQN_LEN, &e->subnqn, error);
	if (strcmp(key, "traddr") == 0)
		return member_string(node, key, DCE_TRADDR_LEN, &e->traddr, error);
	if (strcmp(key, "local") == 0)
		return member_bool(node, key, &e->local, error);
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "entry: unknown key \"%s\"", key);
	return FALSE;
}

DceEntry *
dce_entry_from_json(JsonObject *obj, GError **error)
{
	g_autoptr(DceEntry) e = dce_entry_new();
	JsonObjectIter iter;
	const char *key;
	JsonNode *node;

	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &key, &node)) {
		if (!entry_set(e, key, node, error))
			return NULL;
	}
	return g_steal_pointer(&e);
}

JsonObject *
dce_entry_to_json(const DceEntry *e)
{
	JsonObject *o = json_object_new();

	json_object_set_int_member(o, "trtype", e->trtype);
	json_object_set_int_member(o, "adrfam", e->adrfam);
	json_object_set_int_member(o, "subtype", e->subtype);
	json_object_set_int_member(o, "treq", e->treq);
	json_object_set_int_member(o, "portid", e->portid);
	json_object_set_int_member(o, "cntlid", e->cntlid);
	json_object_set_int_member(o, "asqsz", e->asqsz);
	json_object_set_int_member(o, "eflags", e->eflags);
	json_object_set_int_member(o, "sectype", e->sectype);
	json_object_set_string_member(o, "trsvcid", e->trsvcid);
	json_object_set_string_member(o, "subnqn", e->subnqn);
	json_object_set_string_member(o, "traddr", e->traddr);
	json_object_set_boolean_member(o, "local", e->local);
	return o;
}

static gboolean
entry_equal(const DceEntry *a, const DceEntry *b)
{
	return a->trtype == b->trtype && a->adrfam == b->adrfam && a->subtype == b->subtype &&
	       a->treq == b->treq && a->portid == b->portid && a->cntlid == b->cntlid &&
	       a->asqsz == b->asqsz && a->eflags == b->eflags && a->sectype == b->sectype &&
	       a->local == b->local && g_str_equal(a->trsvcid, b->trsvcid) &&
	       g_str_equal(a->subnqn, b->subnqn) && g_str_equal(a->traddr, b->traddr);
}

gboolean
dce_entry_matches(const DceEntry *e, JsonObject *match, GError **error)
{
	g_autoptr(DceEntry) want = dce_entry_copy(e);
	JsonObjectIter iter;
	const char *key;
	JsonNode *node;

	/* apply match over a copy of e: equal iff nothing changed */
	json_object_iter_init(&iter, match);
	while (json_object_iter_next(&iter, &key, &node)) {
		if (!entry_set(want, key, node, error))
			return FALSE;
	}
	return entry_equal(e, want);
}

char *
dce_fixed_string(const guint8 *p, gsize n)
{
	GString *s = g_string_new(NULL);
	gsize len = 0;

	while (len < n && p[len] != '\0')
		len++;
	while (len > 0 && p[len - 1] == ' ')
		len--;
	for (gsize i = 0; i < len; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			g_string_append_c(s, (char)p[i]);
		else
			g_string_append_printf(s, "\\x%02x", p[i]);
	}
	return g_string_free(s, FALSE);
}

char *
dce_uuid_string(const guint8 *u)
{
	return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			       "%02x%02x%02x%02x%02x%02x",
			       u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
			       u[11], u[12], u[13], u[14], u[15]);
}
