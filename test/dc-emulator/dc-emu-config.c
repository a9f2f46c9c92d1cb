/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-config: configuration of one DC emulator (dc-emu-config.h).
 */
#include "config.h"

#include <string.h>

#include "stas/stas-error.h"

#include "dc-emu-config.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"

DceConfig *
dce_config_new(void)
{
	DceConfig *cfg = g_new0(DceConfig, 1);

	cfg->address = g_strdup("127.0.0.1");
	cfg->port = 8009;
	cfg->nqn = g_strdup(DCE_DISC_NQN);
	cfg->dctype = DCE_DCTYPE_CDC;
	cfg->pleo = TRUE;
	cfg->mdts = 5;
	cfg->cntlid_base = 1;
	cfg->kato_enforce = TRUE;
	cfg->aer_limit = 4;
	cfg->serial = g_strdup("");
	cfg->model = g_strdup("nvme-stas DC emulator");
	cfg->entries = g_ptr_array_new_with_free_func((GDestroyNotify)dce_entry_free);
	return cfg;
}

void
dce_config_free(DceConfig *cfg)
{
	if (cfg == NULL)
		return;
	g_free(cfg->address);
	g_free(cfg->control);
	g_free(cfg->nqn);
	g_free(cfg->serial);
	g_free(cfg->model);
	g_clear_pointer(&cfg->entries, g_ptr_array_unref);
	g_free(cfg);
}

static const char *const dctype_names[] = {"none", "ddc", "cdc"};

gboolean
dce_dctype_from_name(const char *name, DceDcType *dctype)
{
	for (guint i = 0; i < G_N_ELEMENTS(dctype_names); i++) {
		if (g_strcmp0(name, dctype_names[i]) == 0) {
			*dctype = (DceDcType)i;
			return TRUE;
		}
	}
	return FALSE;
}

const char *
dce_dctype_name(DceDcType dctype)
{
	return dctype < G_N_ELEMENTS(dctype_names) ? dctype_names[dctype] : "none";
}

static gboolean
get_string(JsonNode *node, const char *key, char **out, GError **error)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "config: %s must be a string",
			    key);
		return FALSE;
	}
	g_free(*out);
	*out = g_strdup(json_node_get_string(node));
	return TRUE;
}

static gboolean
get_uint(JsonNode *node, const char *key, guint max, guint *out, GError **error)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64 ||
	    json_node_get_int(node) < 0 || json_node_get_int(node) > max) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "config: %s must be a number in 0..%u", key, max);
		return FALSE;
	}
	*out = (guint)json_node_get_int(node);
	return TRUE;
}

static gboolean
get_bool(JsonNode *node, const char *key, gboolean *out, GError **error)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "config: %s must be a boolean",
			    key);
		return FALSE;
	}
	*out = json_node_get_boolean(node);
	return TRUE;
}

static gboolean
get_entries(JsonNode *node, GPtrArray *entries, GError **error)
{
	JsonArray *a = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;

	if (a == NULL) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "config: entries must be an array");
		return FALSE;
	}
	g_ptr_array_set_size(entries, 0);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *n = json_array_get_element(a, i);
		DceEntry *e;

		if (!JSON_NODE_HOLDS_OBJECT(n)) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "config: entries[%u] is not an object", i);
			return FALSE;
		}
		e = dce_entry_from_json(json_node_get_object(n), error);
		if (e == NULL) {
			g_prefix_error(error, "config: entries[%u]: ", i);
			return FALSE;
		}
		g_ptr_array_add(entries, e);
	}
	return TRUE;
}

static gboolean
get_malform(JsonNode *node, guint *out, GError **error)
{
	JsonArray *a = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;

	*out = 0;
	for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
		const char *name = json_array_get_string_element(a, i);
		DceMalform m = name != NULL ? dce_malform_from_name(name) : 0;

		if (m == 0) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "config: malformed[%u] is not a known mode", i);
			return FALSE;
		}
		*out |= m;
	}
	if (a == NULL) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "config: malformed must be an array of mode names");
		return FALSE;
	}
	return TRUE;
}

/* the enum-like and numeric members */
static gboolean
apply_special(DceConfig *cfg, const char *key, JsonNode *node, GError **error)
{
	g_autofree char *s = NULL;
	guint v = 0;

	if (strcmp(key, "dctype") == 0) {
		if (!get_string(node, key, &s, error))
			return FALSE;
		if (dce_dctype_from_name(s, &cfg->dctype))
			return TRUE;
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "config: dctype must be none, ddc or cdc");
		return FALSE;
	}
	if (strcmp(key, "lsp-unsupported") == 0) {
		if (!get_string(node, key, &s, error))
			return FALSE;
		if (g_strcmp0(s, "reject") == 0 || g_strcmp0(s, "ignore") == 0) {
			cfg->lsp_ignore = g_strcmp0(s, "ignore") == 0;
			return TRUE;
		}
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "config: lsp-unsupported must be reject or ignore");
		return FALSE;
	}
	if (strcmp(key, "port") == 0) {
		if (!get_uint(node, key, G_MAXUINT16, &v, error))
			return FALSE;
		cfg->port = (guint16)v;
		return TRUE;
	}
	if (strcmp(key, "mdts") == 0) {
		if (!get_uint(node, key, 15, &v, error))
			return FALSE;
		cfg->mdts = (guint8)v;
		return TRUE;
	}
	if (strcmp(key, "cntlid-base") == 0) {
		if (!get_uint(node, key, 0xffef, &v, error))
			return FALSE;
		cfg->cntlid_base = (guint16)MAX(v, 1);
		return TRUE;
	}
	if (strcmp(key, "aer-limit") == 0) {
		if (!get_uint(node, key, 256, &v, error))
			return FALSE;
		cfg->aer_limit = MAX(v, 1);
		return TRUE;
	}
	g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "config: unknown key \"%s\"", key);
	return FALSE;
}

static gboolean
apply_member(DceConfig *cfg, const char *key, JsonNode *node, GError **error)
{
	if (strcmp(key, "address") == 0)
		return get_string(node, key, &cfg->address, error);
	if (strcmp(key, "control") == 0)
		return get_string(node, key, &cfg->control, error);
	if (strcmp(key, "nqn") == 0)
		return get_string(node, key, &cfg->nqn, error);
	if (strcmp(key, "serial") == 0)
		return get_string(node, key, &cfg->serial, error);
	if (strcmp(key, "model") == 0)
		return get_string(node, key, &cfg->model, error);
	if (strcmp(key, "pleo") == 0)
		return get_bool(node, key, &cfg->pleo, error);
	if (strcmp(key, "kato-enforce") == 0)
		return get_bool(node, key, &cfg->kato_enforce, error);
	if (strcmp(key, "entries") == 0)
		return get_entries(node, cfg->entries, error);
	if (strcmp(key, "malformed") == 0)
		return get_malform(node, &cfg->malform, error);
	return apply_special(cfg, key, node, error);
}

gboolean
dce_config_apply_json(DceConfig *cfg, JsonObject *obj, GError **error)
{
	JsonObjectIter iter;
	const char *key;
	JsonNode *node;

	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &key, &node)) {
		if (!apply_member(cfg, key, node, error))
			return FALSE;
	}
	if (strlen(cfg->nqn) == 0 || strlen(cfg->nqn) >= DCE_NQN_LEN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "config: nqn must have 1..%d bytes", DCE_NQN_LEN - 1);
		return FALSE;
	}
	return TRUE;
}

gboolean
dce_config_load_file(DceConfig *cfg, const char *path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;

	if (!json_parser_load_from_file(parser, path, error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s: not a JSON object", path);
		return FALSE;
	}
	if (!dce_config_apply_json(cfg, json_node_get_object(root), error)) {
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	return TRUE;
}
