/* SPDX-License-Identifier: Apache-2.0 */
/* stacd's reconciliation, the pure parts: stafd's entries, the removal decision */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "stacd-reconcile.h"

#include "stas/stas-dlpe.h"
#include "stas/stas-error.h"
#include "stas/stas-validate.h"

#define SOURCE "stafd log pages"

/* ---- bounds on the raw text ------------------------------------------- */

/*
 * json-glib recurses once per nesting level and holds the whole tree: count
 * nesting and values on the text first.  strings are skipped with their
 * escapes; a \u0000 escape is refused (json-glib would cut the string there).
 */
static gboolean
prescan(const char *data, gsize len, GError **error)
{
	gboolean in_string = FALSE, escape = FALSE;
	guint depth = 0;
	gsize values = 1;

	for (gsize i = 0; i < len; i++) {
		char c = data[i];

		if (in_string) {
			if (escape && c == 'u' && len - i > 4 &&
			    memcmp(data + i + 1, "0000", 4) == 0) {
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    SOURCE ": a \\u0000 escape at byte %" G_GSIZE_FORMAT,
					    i - 1);
				return FALSE;
			}
			if (escape)
				escape = FALSE;
			else if (c == '\\')
				escape = TRUE;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > STACD_LOG_PAGES_MAX_DEPTH) {
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    SOURCE ": nested deeper than %d levels at byte "
						   "%" G_GSIZE_FORMAT,
					    STACD_LOG_PAGES_MAX_DEPTH, i);
				return FALSE;
			}
			values++;
		} else if (c == ']' || c == '}') {
			depth = depth ? depth - 1 : 0;
		} else if (c == ',') {
			values++;
		}
		if (values > STACD_LOG_PAGES_MAX_VALUES) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    SOURCE ": more than %d values at byte %" G_GSIZE_FORMAT,
				    STACD_LOG_PAGES_MAX_VALUES, i);
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- the answer, item by item ------------------------------------------- */

typedef struct {
	StacdLogPages *pages;
	const StasTidDefaults *defaults;
	guint total; /* entries looked at, all DCs */
	gboolean total_reported;
} Parser;

static void diag(Parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
diag(Parser *p, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_ptr_array_add(p->pages->diagnostics, g_strdup_printf(SOURCE ": %s", msg));
}

/*
 * the string members of an object as a new char* -> char* table; members of
 * other types are left out.  NULL (with *why) when it is too large.
 */
static GHashTable *
read_dict(JsonObject *obj, const char **why)
{
	g_autoptr(GHashTable) map = NULL;
	g_autoptr(GList) members = NULL;

	if (json_object_get_size(obj) > STACD_DICT_MAX_KEYS) {
		*why = "too many keys";
		return NULL;
	}
	map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	members = json_object_get_members(obj);
	for (GList *l = members; l; l = l->next) {
		JsonNode *node = json_object_get_member(obj, l->data);
		const char *value;

		if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
			continue;
		value = json_node_get_string(node);
		if (strlen(l->data) > STACD_DICT_MAX_VALUE ||
		    strlen(value) > STACD_DICT_MAX_VALUE) {
			*why = "a key or value is too long";
			return NULL;
		}
		g_hash_table_insert(map, g_strdup(l->data), g_strdup(value));
	}
	return g_steal_pointer(&map);
}

static const char *
dict_str(GHashTable *map, const char *key)
{
	const char *v = g_hash_table_lookup(map, key);

	return v ? v : "";
}

/* the DC's TID: its host fields are those of the controllers it lists */
static StasTid *
dc_tid(Parser *p, JsonObject *dc_obj, guint index)
{
	StasTidDefaults d = *p->defaults;
	g_autoptr(GHashTable) dc = NULL;
	const char *why = NULL;
	JsonNode *node = json_object_get_member(dc_obj, "discovery-controller");

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		diag(p, "item %u: no \"discovery-controller\" object: skipped", index);
		return NULL;
	}
	dc = read_dict(json_node_get_object(node), &why);
	if (dc == NULL) {
		diag(p, "item %u: discovery-controller: %s: skipped", index, why);
		return NULL;
	}
	d.kind = STAS_TID_KIND_DC;
	return stas_tid_new(dict_str(dc, "transport"), dict_str(dc, "traddr"),
			    dict_str(dc, "trsvcid"), dict_str(dc, "subsysnqn"),
			    dict_str(dc, "host-traddr"), dict_str(dc, "host-iface"),
			    g_hash_table_lookup(dc, "host-nqn"), &d);
}

static void
parse_entry(Parser *p, const StasTid *dc, const char *dc_name, JsonNode *node, guint index)
{
	g_autoptr(GHashTable) entry = NULL;
	g_autoptr(StasTid) tid = NULL;
	g_autoptr(GError) error = NULL;
	const char *why = NULL;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		diag(p, "DC %s: entry %u: not an object: skipped", dc_name, index);
		return;
	}
	entry = read_dict(json_node_get_object(node), &why);
	if (entry == NULL) {
		diag(p, "DC %s: entry %u: %s: skipped", dc_name, index, why);
		return;
	}
	/* referrals and the DC's own entry are stafd's business */
	if (!g_str_equal(dict_str(entry, "subtype"), "nvme"))
		return;
	tid = stas_dlpe_map_to_tid(entry, dc, p->defaults);
	if (!stas_validate_tid(tid, &error)) {
		diag(p, "DC %s: entry %u: %s: skipped", dc_name, index, error->message);
		return;
	}
	g_hash_table_replace(p->pages->entries, g_steal_pointer(&tid), g_steal_pointer(&entry));
}

static void
parse_dc(Parser *p, JsonNode *node, guint index)
{
	g_autoptr(StasTid) dc = NULL;
	g_autofree char *dc_name = NULL;
	JsonNode *list;
	JsonArray *entries;
	guint n;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		diag(p, "item %u: not an object: skipped", index);
		return;
	}
	dc = dc_tid(p, json_node_get_object(node), index);
	if (dc == NULL)
		return;
	p->pages->n_dcs++;
	/* escaped: the name comes from the answer too */
	dc_name = g_strescape(stas_tid_to_string(dc), NULL);
	list = json_object_get_member(json_node_get_object(node), "log-pages");
	if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list)) {
		diag(p, "DC %s: no \"log-pages\" list", dc_name);
		return;
	}
	entries = json_node_get_array(list);
	n = json_array_get_length(entries);
	if (n > STACD_LOG_PAGES_MAX_ENTRIES) {
		diag(p, "DC %s: %u entries, only the first %d are used", dc_name, n,
		     STACD_LOG_PAGES_MAX_ENTRIES);
		n = STACD_LOG_PAGES_MAX_ENTRIES;
	}
	for (guint i = 0; i < n; i++) {
		if (p->total == STACD_LOG_PAGES_MAX_TOTAL) {
			if (!p->total_reported)
				diag(p, "more than %d entries in all: the rest is ignored",
				     STACD_LOG_PAGES_MAX_TOTAL);
			p->total_reported = TRUE;
			return;
		}
		p->total++;
		parse_entry(p, dc, dc_name, json_array_get_element(entries, i), i);
	}
}

static StacdLogPages *
log_pages_new(void)
{
	StacdLogPages *pages = g_new0(StacdLogPages, 1);

	pages->entries =
		g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
				      (GDestroyNotify)g_hash_table_unref);
	pages->diagnostics = g_ptr_array_new_with_free_func(g_free);
	return pages;
}

StacdLogPages *
stacd_log_pages_parse(const char *json, gsize len, const StasTidDefaults *defaults, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(StacdLogPages) pages = NULL;
	Parser p = {0};
	JsonNode *root;
	JsonArray *dcs;
	guint n;

	g_return_val_if_fail(json != NULL || len == 0, NULL);
	g_return_val_if_fail(defaults != NULL, NULL);

	if (len > STACD_LOG_PAGES_MAX_BYTES) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    SOURCE ": %" G_GSIZE_FORMAT " bytes, more than %d", len,
			    STACD_LOG_PAGES_MAX_BYTES);
		return NULL;
	}
	if (!prescan(json, len, error))
		return NULL;
	parser = json_parser_new_immutable();
	if (len == 0 || !json_parser_load_from_data(parser, json, (gssize)len, &local)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, SOURCE ": not JSON: %s",
			    local ? local->message : "empty");
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_ARRAY(root)) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_INVALID, SOURCE ": not a list");
		return NULL;
	}
	pages = log_pages_new();
	p.pages = pages;
	p.defaults = defaults;
	dcs = json_node_get_array(root);
	n = json_array_get_length(dcs);
	if (n > STACD_LOG_PAGES_MAX_DCS) {
		diag(&p, "%u discovery controllers, only the first %d are used", n,
		     STACD_LOG_PAGES_MAX_DCS);
		n = STACD_LOG_PAGES_MAX_DCS;
	}
	for (guint i = 0; i < n; i++)
		parse_dc(&p, json_array_get_element(dcs, i), i);
	return g_steal_pointer(&pages);
}

void
stacd_log_pages_free(StacdLogPages *pages)
{
	if (pages == NULL)
		return;
	g_hash_table_unref(pages->entries);
	g_ptr_array_unref(pages->diagnostics);
	g_free(pages);
}

/* ---- the removal decision ------------------------------------------------ */

StasTrtype
stacd_trtype_from_string(const char *transport)
{
	if (g_strcmp0(transport, "tcp") == 0)
		return STAS_TRTYPE_TCP;
	if (g_strcmp0(transport, "rdma") == 0)
		return STAS_TRTYPE_RDMA;
	if (g_strcmp0(transport, "fc") == 0)
		return STAS_TRTYPE_FC;
	return 0;
}

StacdRemoval
stacd_removal_decide(const StacdRemovalCase *c)
{
	/* B2: stafd not heard from yet: what came from it is not known to be gone */
	if (c->dlpe_unknown)
		return STACD_REMOVAL_KEEP;
	/* Q21: the same kernel connection is wanted under another identity */
	if (c->serves_wanted)
		return STACD_REMOVAL_FORGET;
	switch (c->scope) {
	case STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES:
		/* audit mode: whoever made it, boot connections included (B7) */
		return (stacd_trtype_from_string(c->transport) & c->trtypes)
			       ? STACD_REMOVAL_DISCONNECT
			       : STACD_REMOVAL_FORGET;
	case STAS_DISCONNECT_SCOPE_ONLY_STAS_CONNECTIONS:
		/* B7: never what others made, never a boot connection */
		return c->owned && !c->nbft ? STACD_REMOVAL_DISCONNECT : STACD_REMOVAL_FORGET;
	case STAS_DISCONNECT_SCOPE_NO_DISCONNECT:
	default:
		return STACD_REMOVAL_FORGET;
	}
}

const char *
stacd_removal_to_string(StacdRemoval removal)
{
	switch (removal) {
	case STACD_REMOVAL_KEEP:
		return "keep";
	case STACD_REMOVAL_FORGET:
		return "forget";
	case STACD_REMOVAL_DISCONNECT:
		return "disconnect";
	default:
		return "?";
	}
}
