/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the NBFT parser and the controllers derived from it: REFERENCE 5.14, 6.2,
 * Q13, NVM Express Boot Specification 1.0/1.1.  the table facts come from
 * test/fixtures/nbft/expected.json (see the README next to it): every good
 * and edge table must give every fact listed there, every bad one must be
 * rejected at the check listed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "stas/stas-error.h"
#include "stas/stas-iface-table.h"
#include "stas/stas-nbft.h"
#include "stas/stas-tid.h"
#include "stas/stas-validate.h"

#define R760	     "good/NBFT-Dell.PowerEdge.R760"
#define R760_MAC     "b0:26:28:e8:7c:0e"
#define R760_HOSTNQN "nqn.1988-11.com.dell:PowerEdge.R760.1234567"
#define R760_SUBNQN  "nqn.1988-11.com.dell:powerstore:00:2a64abf1c5b81F6C4549"

/* ------------------------------------------------------------ fixtures */

static GBytes *
load_fixture(const char *rel)
{
	const char *dir = g_getenv("STAS_TEST_FIXTURES");
	g_autofree char *path = NULL;
	g_autoptr(GError) error = NULL;
	char *data = NULL;
	gsize len = 0;

	assert_non_null(dir);
	path = g_build_filename(dir, "nbft", rel, NULL);
	if (!g_file_get_contents(path, &data, &len, &error))
		fail_msg("%s: %s", path, error->message);
	return g_bytes_new_take(data, len);
}

static JsonParser *
load_expected(void)
{
	g_autoptr(GBytes) json = load_fixture("expected.json");
	g_autoptr(GError) error = NULL;
	JsonParser *parser = json_parser_new();
	gsize len = 0;
	const char *data = g_bytes_get_data(json, &len);

	if (!json_parser_load_from_data(parser, data, (gssize)len, &error))
		fail_msg("expected.json: %s", error->message);
	return parser;
}

static JsonArray *
expected_list(JsonParser *parser, const char *group)
{
	return json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					    group);
}

static StasNbft *
parse_fixture(const char *rel, GBytes **bytes_out)
{
	g_autoptr(GBytes) bytes = load_fixture(rel);
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	StasNbft *nbft = stas_nbft_parse(data, len, rel, &error);

	if (nbft == NULL)
		fail_msg("%s rejected: %s", rel, error->message);
	if (bytes_out)
		*bytes_out = g_steal_pointer(&bytes);
	return nbft;
}

/* a writable copy of exactly len bytes, so overreads show under ASan/valgrind */
static guint8 *
copy_of(GBytes *bytes, gsize len)
{
	guint8 *copy = g_malloc(len ? len : 1);

	memcpy(copy, g_bytes_get_data(bytes, NULL), MIN(len, g_bytes_get_size(bytes)));
	return copy;
}

static void
fix_checksum(guint8 *data, gsize len)
{
	guint8 sum = 0;

	if (len < 10)
		return;
	data[9] = 0;
	for (gsize i = 0; i < len; i++)
		sum = (guint8)(sum + data[i]);
	data[9] = (guint8)(0x100 - sum);
}

/* replace the first occurrence of from (same length) in a table, checksum fixed */
static StasNbft *
parse_patched(const char *rel, const char *from, const char *to, gsize n, GError **error)
{
	g_autoptr(GBytes) bytes = load_fixture(rel);
	gsize len = g_bytes_get_size(bytes);
	g_autofree guint8 *copy = copy_of(bytes, len);
	guint8 *at = memmem(copy, len, from, n);

	assert_non_null(at);
	memcpy(at, to, n);
	fix_checksum(copy, len);
	return stas_nbft_parse(copy, len, rel, error);
}

static gboolean
diagnostics_mention(GPtrArray *diags, const char *what)
{
	for (guint i = 0; i < diags->len; i++)
		if (strstr(g_ptr_array_index(diags, i), what))
			return TRUE;
	return FALSE;
}

/* ---------------------------------------------- comparing with the JSON */

typedef enum {
	T_U8,
	T_U16,
	T_U32,
	T_UINT,
	T_BOOL,
	T_CHARS, /* char array */
	T_STR,	 /* char *, NULL when the fact is null */
	T_HEX,	 /* GBytes *, as plain hex */
} FieldType;

typedef struct {
	const char *key;
	FieldType type;
	gsize offset;
} Field;

#define FLD(st, key, type, member)                                                                 \
	{                                                                                          \
		key, type, G_STRUCT_OFFSET(st, member)                                             \
	}

/* handles the facts a field table can't; FALSE when key is unknown */
typedef gboolean (*CustomCheck)(const char *ctx, const char *key, JsonNode *node,
				gconstpointer desc, gpointer data);

static void
expect_int(const char *ctx, const char *key, JsonNode *node, gint64 actual)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		fail_msg("%s: %s: expected.json holds no integer", ctx, key);
	if (json_node_get_int(node) != actual)
		fail_msg("%s: %s = %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT, ctx, key, actual,
			 json_node_get_int(node));
}

static void
expect_bool(const char *ctx, const char *key, JsonNode *node, gboolean actual)
{
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		fail_msg("%s: %s: expected.json holds no boolean", ctx, key);
	if (!json_node_get_boolean(node) != !actual)
		fail_msg("%s: %s = %d, want %d", ctx, key, !!actual, json_node_get_boolean(node));
}

static void
expect_str(const char *ctx, const char *key, JsonNode *node, const char *actual)
{
	if (JSON_NODE_HOLDS_NULL(node)) {
		if (actual != NULL)
			fail_msg("%s: %s = \"%s\", want null", ctx, key, actual);
		return;
	}
	if (actual == NULL || g_strcmp0(json_node_get_string(node), actual) != 0)
		fail_msg("%s: %s = \"%s\", want \"%s\"", ctx, key, actual ? actual : "(null)",
			 json_node_get_string(node));
}

static char *
hex_of(const guint8 *data, gsize n)
{
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", data[i]);
	return g_string_free(s, FALSE);
}

static void
expect_hex(const char *ctx, const char *key, JsonNode *node, GBytes *bytes)
{
	gsize n = 0;
	const guint8 *data = g_bytes_get_data(bytes, &n);
	g_autofree char *hex = hex_of(data, n);

	expect_str(ctx, key, node, hex);
}

static void
check_field(const char *ctx, const Field *f, JsonNode *node, gconstpointer desc)
{
	const guint8 *p = (const guint8 *)desc + f->offset;

	switch (f->type) {
	case T_U8:
		expect_int(ctx, f->key, node, *(const guint8 *)p);
		break;
	case T_U16:
		expect_int(ctx, f->key, node, *(const guint16 *)(gconstpointer)p);
		break;
	case T_U32:
		expect_int(ctx, f->key, node, *(const guint32 *)(gconstpointer)p);
		break;
	case T_UINT:
		expect_int(ctx, f->key, node, *(const guint *)(gconstpointer)p);
		break;
	case T_BOOL:
		expect_bool(ctx, f->key, node, *(const gboolean *)(gconstpointer)p);
		break;
	case T_CHARS:
		expect_str(ctx, f->key, node, (const char *)p);
		break;
	case T_STR:
		expect_str(ctx, f->key, node, *(const char *const *)(gconstpointer)p);
		break;
	case T_HEX:
	default:
		expect_hex(ctx, f->key, node, *(GBytes *const *)(gconstpointer)p);
		break;
	}
}

/* every member of obj is checked: a fact without a check fails the test */
static void
check_object(const char *ctx, JsonObject *obj, const Field *fields, gsize n_fields,
	     CustomCheck custom, gconstpointer desc, gpointer data)
{
	g_autoptr(GList) keys = json_object_get_members(obj);

	for (GList *l = keys; l; l = l->next) {
		const char *key = l->data;
		JsonNode *node = json_object_get_member(obj, key);
		gboolean done = FALSE;

		for (gsize i = 0; i < n_fields && !done; i++) {
			if (g_str_equal(fields[i].key, key)) {
				check_field(ctx, &fields[i], node, desc);
				done = TRUE;
			}
		}
		if (!done && !(custom && custom(ctx, key, node, desc, data)))
			fail_msg("%s: no check for the fact \"%s\"", ctx, key);
	}
}

/* ---------------------------------------------------------------- host */

static char *
uuid_text(const guint8 *b, gboolean swap_first_fields)
{
	guint8 u[16];

	memcpy(u, b, 16);
	if (swap_first_fields) {
		guint8 t[16] = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]};

		memcpy(u, t, 8);
	}
	return stas_nbft_nid_to_string(STAS_NBFT_NID_UUID, u);
}

static const char *
nqn_uuid_vs_id(const StasNbftHost *host)
{
	const char *u = strstr(host->nqn, ":uuid:");
	g_autofree char *id = uuid_text(host->id, FALSE);
	g_autofree char *swapped = uuid_text(host->id, TRUE);

	if (u == NULL || !g_uuid_string_is_valid(u + 6))
		return "nqn-not-uuid-form";
	if (g_ascii_strcasecmp(u + 6, id) == 0)
		return "equal";
	if (g_ascii_strcasecmp(u + 6, swapped) == 0)
		return "equal-if-first-3-fields-byte-swapped";
	return "different";
}

static gboolean
host_custom(const char *ctx, const char *key, JsonNode *node, gconstpointer desc, gpointer data)
{
	const StasNbftHost *host = desc;

	if (g_str_equal(key, "id")) {
		g_autofree char *id = uuid_text(host->id, FALSE);

		expect_str(ctx, key, node, id);
	} else if (g_str_equal(key, "id_hex")) {
		g_autofree char *hex = hex_of(host->id, 16);

		expect_str(ctx, key, node, hex);
	} else if (g_str_equal(key, "primary_admin")) {
		expect_str(ctx, key, node, stas_nbft_primary_admin_name(host->primary_admin));
	} else if (g_str_equal(key, "nqn_uuid_vs_id")) {
		expect_str(ctx, key, node, nqn_uuid_vs_id(host));
	} else {
		return FALSE;
	}
	return TRUE;
}

static const Field host_fields[] = {
	FLD(StasNbftHost, "nqn", T_STR, nqn),
	FLD(StasNbftHost, "flags", T_U8, flags),
	FLD(StasNbftHost, "id_configured", T_BOOL, id_configured),
	FLD(StasNbftHost, "nqn_configured", T_BOOL, nqn_configured),
};

/* ----------------------------------------------------------------- HFI */

static const Field hfi_fields[] = {
	FLD(StasNbftHfi, "index", T_UINT, index),
	FLD(StasNbftHfi, "trtype", T_STR, trtype),
	FLD(StasNbftHfi, "mac", T_CHARS, mac),
	FLD(StasNbftHfi, "ip", T_CHARS, ip),
	FLD(StasNbftHfi, "prefix", T_U8, prefix),
	FLD(StasNbftHfi, "gateway", T_CHARS, gateway),
	FLD(StasNbftHfi, "vlan", T_U16, vlan),
	FLD(StasNbftHfi, "origin", T_U8, ip_origin),
	FLD(StasNbftHfi, "primary_dns", T_CHARS, primary_dns),
	FLD(StasNbftHfi, "secondary_dns", T_CHARS, secondary_dns),
	FLD(StasNbftHfi, "route_metric", T_U16, route_metric),
	FLD(StasNbftHfi, "host_name", T_STR, host_name),
	FLD(StasNbftHfi, "pci_sbdf", T_U32, pci_sbdf),
	FLD(StasNbftHfi, "pci_addr", T_CHARS, pci_addr),
	FLD(StasNbftHfi, "tcp_flags", T_U8, tcp_flags),
	FLD(StasNbftHfi, "global_route", T_BOOL, global_route),
	FLD(StasNbftHfi, "dhcp_override", T_BOOL, dhcp_override),
	FLD(StasNbftHfi, "trinfo_version", T_U8, trinfo_version),
	FLD(StasNbftHfi, "pcie_seg_num", T_U8, pcie_seg_num),
	FLD(StasNbftHfi, "dhcp_iaid", T_U32, dhcp_iaid),
	FLD(StasNbftHfi, "dhcp_duid", T_HEX, dhcp_duid),
};

static gboolean
hfi_custom(const char *ctx, const char *key, JsonNode *node, gconstpointer desc, gpointer data)
{
	const StasNbftHfi *hfi = desc;

	if (g_str_equal(key, "dhcp_server"))
		/* null: the field is reserved without DHCP Override */
		expect_str(ctx, key, node, *hfi->dhcp_server ? hfi->dhcp_server : NULL);
	else if (g_str_equal(key, "origin_name"))
		expect_str(ctx, key, node, stas_nbft_ip_origin_name(hfi->ip_origin));
	else
		return FALSE;
	return TRUE;
}

/* ----------------------------------------------------------- discovery */

static const Field discovery_fields[] = {
	FLD(StasNbftDiscovery, "index", T_UINT, index),
	FLD(StasNbftDiscovery, "uri", T_STR, uri),
	FLD(StasNbftDiscovery, "nqn", T_STR, nqn),
	FLD(StasNbftDiscovery, "hfi_index", T_UINT, hfi_index),
	FLD(StasNbftDiscovery, "sec_index", T_UINT, sec_index),
};

/* ---------------------------------------------------------------- SSNS */

static const Field ssns_fields[] = {
	FLD(StasNbftSsns, "index", T_UINT, index),
	FLD(StasNbftSsns, "trtype", T_STR, trtype),
	FLD(StasNbftSsns, "traddr", T_CHARS, traddr),
	FLD(StasNbftSsns, "trsvcid", T_STR, trsvcid),
	FLD(StasNbftSsns, "subsys_nqn", T_STR, subsys_nqn),
	FLD(StasNbftSsns, "nsid", T_U32, nsid),
	FLD(StasNbftSsns, "subsys_port_id", T_U16, subsys_port_id),
	FLD(StasNbftSsns, "controller_id", T_U16, controller_id),
	FLD(StasNbftSsns, "asqsz", T_U16, asqsz),
	FLD(StasNbftSsns, "hdr_digest", T_BOOL, hdr_digest),
	FLD(StasNbftSsns, "data_digest", T_BOOL, data_digest),
	FLD(StasNbftSsns, "trflags", T_U16, trflags),
	FLD(StasNbftSsns, "flags", T_U16, flags),
	FLD(StasNbftSsns, "discovered", T_BOOL, discovered),
	FLD(StasNbftSsns, "non_bootable", T_BOOL, non_bootable),
	FLD(StasNbftSsns, "dhcp_root_path_override", T_BOOL, dhcp_root_path_override),
	FLD(StasNbftSsns, "dhcp_root_path", T_STR, dhcp_root_path),
	FLD(StasNbftSsns, "ext_info", T_BOOL, ext_info),
	FLD(StasNbftSsns, "naed", T_U8, naed),
	FLD(StasNbftSsns, "cipeec", T_U8, cipeec),
	FLD(StasNbftSsns, "cto", T_U16, cto),
	FLD(StasNbftSsns, "nceec", T_U8, nceec),
};

static void
expect_index_list(const char *ctx, const char *key, JsonNode *node, const guint8 *list, guint n)
{
	JsonArray *want = json_node_get_array(node);

	if (want == NULL || json_array_get_length(want) != n)
		fail_msg("%s: %s has %u entries, want %u", ctx, key, n,
			 want ? json_array_get_length(want) : 0);
	for (guint i = 0; i < n; i++)
		expect_int(ctx, key, json_array_get_element(want, i), list[i]);
}

/* null: no (resolvable) link, 0 in the struct */
static void
expect_link(const char *ctx, const char *key, JsonNode *node, guint actual)
{
	if (JSON_NODE_HOLDS_NULL(node)) {
		if (actual != 0)
			fail_msg("%s: %s = %u, want null", ctx, key, actual);
		return;
	}
	expect_int(ctx, key, node, actual);
}

static gboolean
ssns_custom(const char *ctx, const char *key, JsonNode *node, gconstpointer desc, gpointer data)
{
	const StasNbftSsns *s = desc;

	if (g_str_equal(key, "nid_type")) {
		expect_int(ctx, key, node, s->nid_type);
	} else if (g_str_equal(key, "nid_type_name")) {
		expect_str(ctx, key, node, stas_nbft_nid_type_name(s->nid_type));
	} else if (g_str_equal(key, "nid")) {
		g_autofree char *nid = stas_nbft_nid_to_string(s->nid_type, s->nid);

		expect_str(ctx, key, node, nid);
	} else if (g_str_equal(key, "nid_hex")) {
		g_autofree char *hex = hex_of(s->nid, 16);

		expect_str(ctx, key, node, hex);
	} else if (g_str_equal(key, "hfi_indexes")) {
		expect_index_list(ctx, key, node, s->hfi_indexes, s->n_hfi_indexes);
	} else if (g_str_equal(key, "secondary_hfi_raw")) {
		gsize n = 0;
		const guint8 *raw = g_bytes_get_data(s->secondary_hfi_raw, &n);

		expect_index_list(ctx, key, node, raw, (guint)n);
	} else if (g_str_equal(key, "discovery_index")) {
		expect_link(ctx, key, node, s->discovery_index);
	} else if (g_str_equal(key, "security_index")) {
		expect_link(ctx, key, node, s->security_index);
	} else if (g_str_equal(key, "ns_availability")) {
		expect_str(ctx, key, node, stas_nbft_availability_name(s->availability));
	} else {
		return FALSE;
	}
	return TRUE;
}

/* ------------------------------------------------------------ security */

static const Field security_fields[] = {
	FLD(StasNbftSecurity, "index", T_UINT, index),
	FLD(StasNbftSecurity, "flags", T_U16, flags),
	FLD(StasNbftSecurity, "secret_type", T_U8, secret_type),
	FLD(StasNbftSecurity, "cipher_restricted", T_BOOL, cipher_restricted),
	FLD(StasNbftSecurity, "kx_groups_restricted", T_BOOL, kx_groups_restricted),
	FLD(StasNbftSecurity, "sec_hash_func_policy_list", T_BOOL, sec_hash_func_policy_list),
	FLD(StasNbftSecurity, "sec_chan_algs", T_HEX, sec_chan_algs),
	FLD(StasNbftSecurity, "auth_protocols", T_HEX, auth_protocols),
	FLD(StasNbftSecurity, "cipher_suites", T_HEX, cipher_suites),
	FLD(StasNbftSecurity, "kx_groups", T_HEX, kx_groups),
	FLD(StasNbftSecurity, "sec_hash_funcs", T_HEX, sec_hash_funcs),
	FLD(StasNbftSecurity, "secret_keypath", T_STR, secret_keypath),
};

static gboolean
security_custom(const char *ctx, const char *key, JsonNode *node, gconstpointer desc, gpointer data)
{
	const StasNbftSecurity *sec = desc;

	if (g_str_equal(key, "in_band_auth"))
		expect_str(ctx, key, node, stas_nbft_sec_requirement_name(sec->in_band_auth));
	else if (g_str_equal(key, "sec_chan_neg"))
		expect_str(ctx, key, node, stas_nbft_sec_requirement_name(sec->sec_chan_neg));
	else if (g_str_equal(key, "auth_policy_list"))
		expect_str(ctx, key, node, stas_nbft_policy_list_name(sec->auth_policy_list));
	else if (g_str_equal(key, "sec_policy_list"))
		expect_str(ctx, key, node, stas_nbft_policy_list_name(sec->sec_policy_list));
	else
		return FALSE;
	return TRUE;
}

/* ---------------------------------------------------------------- table */

/* descriptors in table order, each checked against its JSON object */
static void
check_list(const char *ctx, const char *what, JsonNode *node, GPtrArray *actual,
	   const Field *fields, gsize n_fields, CustomCheck custom)
{
	JsonArray *want = json_node_get_array(node);

	assert_non_null(want);
	if (json_array_get_length(want) != actual->len)
		fail_msg("%s: %u %s descriptors, want %u", ctx, actual->len, what,
			 json_array_get_length(want));
	for (guint i = 0; i < actual->len; i++) {
		g_autofree char *sub = g_strdup_printf("%s: %s[%u]", ctx, what, i);

		check_object(sub, json_array_get_object_element(want, i), fields, n_fields, custom,
			     g_ptr_array_index(actual, i), NULL);
	}
}

static const Field header_fields[] = {
	FLD(StasNbftHeader, "signature", T_CHARS, signature),
	FLD(StasNbftHeader, "length", T_U32, length),
	FLD(StasNbftHeader, "oem_id", T_CHARS, oem_id),
	FLD(StasNbftHeader, "oem_table_id", T_CHARS, oem_table_id),
	FLD(StasNbftHeader, "oem_revision", T_U32, oem_revision),
	FLD(StasNbftHeader, "creator_id", T_CHARS, creator_id),
	FLD(StasNbftHeader, "creator_revision", T_U32, creator_revision),
	FLD(StasNbftHeader, "heap_offset", T_U32, heap_offset),
	FLD(StasNbftHeader, "heap_length", T_U32, heap_length),
};

/* provenance and notes about the file, not facts of the table */
static const char *const metadata_keys[] = {
	"file",
	"sources",
	"reference_dumps",
	"reference_parser_matches_reference_dump",
	"heap_strings_length_includes_nul",
	"why_interesting",
	"parser_notes",
};

static void
check_driver_sig(const char *ctx, JsonNode *node, const StasNbftHeader *h)
{
	JsonObject *sig;
	const char *prefix;

	if (JSON_NODE_HOLDS_NULL(node)) {
		assert_null(h->driver_dev_path_sig);
		return;
	}
	sig = json_node_get_object(node);
	expect_int(ctx, "driver_dev_path_sig.offset", json_object_get_member(sig, "offset"),
		   h->driver_dev_path_sig_offset);
	expect_int(ctx, "driver_dev_path_sig.length", json_object_get_member(sig, "length"),
		   h->driver_dev_path_sig_length);
	prefix = json_object_get_string_member(sig, "printable_prefix");
	assert_non_null(h->driver_dev_path_sig);
	assert_true(g_str_has_prefix(h->driver_dev_path_sig, prefix));
	/* junk before the NUL is kept (the R760 has 12 bytes of it) */
	expect_int(ctx, "driver_dev_path_sig.trailing_nonprintable",
		   json_object_get_member(sig, "trailing_nonprintable"),
		   (gint64)(strlen(h->driver_dev_path_sig) - strlen(prefix)));
}

static void
check_control(const char *ctx, JsonNode *node, const StasNbftHeader *h)
{
	JsonObject *c = json_node_get_object(node);

	expect_int(ctx, "num_hfi", json_object_get_member(c, "num_hfi"), h->num_hfi);
	expect_int(ctx, "num_ssns", json_object_get_member(c, "num_ssns"), h->num_ssns);
	expect_int(ctx, "num_sec", json_object_get_member(c, "num_sec"), h->num_sec);
	expect_int(ctx, "num_disc", json_object_get_member(c, "num_disc"), h->num_disc);
	assert_int_equal(json_object_get_size(c), 4);
}

static void
check_dropped(const char *ctx, JsonNode *node, const StasNbft *nbft)
{
	JsonArray *dropped = json_node_get_array(node);

	for (guint i = 0; i < json_array_get_length(dropped); i++) {
		JsonObject *d = json_array_get_object_element(dropped, i);
		g_autofree char *what = g_strdup_printf("discovery %" G_GINT64_FORMAT ": ",
							json_object_get_int_member(d, "index"));

		if (!diagnostics_mention(nbft->diagnostics, what))
			fail_msg("%s: no diagnostic for the dropped %s", ctx, what);
	}
}

static void
check_file_identity(const char *ctx, const char *key, JsonNode *node, GBytes *bytes)
{
	if (g_str_equal(key, "size")) {
		expect_int(ctx, key, node, (gint64)g_bytes_get_size(bytes));
	} else {
		g_autofree char *sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);

		expect_str(ctx, key, node, sum);
	}
}

typedef struct {
	const StasNbft *nbft;
	GBytes *bytes;
} TableCtx;

/* desc is the header (for the field table), data the TableCtx */
static gboolean
table_custom(const char *ctx, const char *key, JsonNode *node, gconstpointer desc, gpointer data)
{
	const TableCtx *t = data;
	const StasNbft *nbft = t->nbft;
	g_autofree char *rev =
		g_strdup_printf("%u.%u", nbft->header.major_revision, nbft->header.minor_revision);

	if (g_strv_contains(metadata_keys, key))
		return TRUE;
	if (g_str_equal(key, "size") || g_str_equal(key, "sha256"))
		check_file_identity(ctx, key, node, t->bytes);
	else if (g_str_equal(key, "revision"))
		expect_str(ctx, key, node, rev);
	else if (g_str_equal(key, "checksum_ok"))
		expect_bool(ctx, key, node, TRUE); /* a table with a bad checksum never parses */
	else if (g_str_equal(key, "driver_dev_path_sig"))
		check_driver_sig(ctx, node, &nbft->header);
	else if (g_str_equal(key, "control"))
		check_control(ctx, node, &nbft->header);
	else if (g_str_equal(key, "discovery_descriptors_dropped"))
		check_dropped(ctx, node, nbft);
	else if (g_str_equal(key, "host"))
		check_object(ctx, json_node_get_object(node), host_fields,
			     G_N_ELEMENTS(host_fields), host_custom, &nbft->host, NULL);
	else if (g_str_equal(key, "hfi"))
		check_list(ctx, key, node, nbft->hfi, hfi_fields, G_N_ELEMENTS(hfi_fields),
			   hfi_custom);
	else if (g_str_equal(key, "discovery"))
		check_list(ctx, key, node, nbft->discovery, discovery_fields,
			   G_N_ELEMENTS(discovery_fields), NULL);
	else if (g_str_equal(key, "ssns"))
		check_list(ctx, key, node, nbft->ssns, ssns_fields, G_N_ELEMENTS(ssns_fields),
			   ssns_custom);
	else if (g_str_equal(key, "security"))
		check_list(ctx, key, node, nbft->security, security_fields,
			   G_N_ELEMENTS(security_fields), security_custom);
	else
		return FALSE;
	return TRUE;
}

static void
check_group(const char *group)
{
	g_autoptr(JsonParser) parser = load_expected();
	JsonArray *entries = expected_list(parser, group);

	assert_true(json_array_get_length(entries) > 0);
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *e = json_array_get_object_element(entries, i);
		const char *file = json_object_get_string_member(e, "file");
		g_autoptr(GBytes) bytes = NULL;
		g_autoptr(StasNbft) nbft = parse_fixture(file, &bytes);
		TableCtx t = {.nbft = nbft, .bytes = bytes};

		check_object(file, e, header_fields, G_N_ELEMENTS(header_fields), table_custom,
			     &nbft->header, &t);
	}
}

static void
test_every_good_table_gives_the_expected_facts(void **state)
{
	check_group("good");
}

static void
test_every_edge_table_parses_to_the_expected_facts(void **state)
{
	check_group("edge");
}

static void
test_every_bad_table_is_rejected_at_the_expected_check(void **state)
{
	g_autoptr(JsonParser) parser = load_expected();
	JsonArray *entries = expected_list(parser, "bad");

	assert_int_equal(json_array_get_length(entries), 6);
	for (guint i = 0; i < json_array_get_length(entries); i++) {
		JsonObject *e = json_array_get_object_element(entries, i);
		const char *file = json_object_get_string_member(e, "file");
		const char *why = json_object_get_string_member(e, "reference_parser_rejects_with");
		g_autoptr(GBytes) bytes = load_fixture(file);
		g_autoptr(GError) error = NULL;
		g_autoptr(StasNbft) nbft = stas_nbft_parse(g_bytes_get_data(bytes, NULL),
							   g_bytes_get_size(bytes), file, &error);

		if (nbft != NULL)
			fail_msg("%s was accepted", file);
		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
		/* the message names the source, the byte offset and the failing check */
		if (!g_str_has_prefix(error->message, file) ||
		    !strstr(error->message, ": offset ") || !strstr(error->message, why))
			fail_msg("%s: \"%s\" does not say \"%s\"", file, error->message, why);
	}
}

/* ------------------------------------------------------- the spec rules */

static void
test_r760_parses_as_reference_6_2_says(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	const StasNbftHfi *hfi;
	const StasNbftSsns *s;

	assert_string_equal(nbft->host.nqn, R760_HOSTNQN);
	assert_true(nbft->host.nqn_configured);
	assert_true(nbft->host.id_configured);
	assert_int_equal(nbft->host.primary_admin, STAS_NBFT_PRIMARY_ADMIN_NOT_INDICATED);
	assert_int_equal(nbft->hfi->len, 1);
	hfi = stas_nbft_find_hfi(nbft, 1);
	assert_non_null(hfi);
	assert_string_equal(hfi->mac, R760_MAC);
	assert_string_equal(hfi->ip, "100.71.245.232");
	assert_int_equal(hfi->prefix, 24);
	assert_string_equal(hfi->gateway, "100.71.245.254");
	assert_string_equal(hfi->dhcp_server, "100.71.245.254");
	assert_string_equal(hfi->primary_dns, "100.64.0.5");
	assert_string_equal(hfi->secondary_dns, "100.64.0.6");
	assert_int_equal(hfi->route_metric, 500);
	assert_string_equal(hfi->pci_addr, "0000:40:00.0");
	assert_true(hfi->global_route);
	assert_true(hfi->dhcp_override);
	assert_int_equal(nbft->ssns->len, 2);
	s = g_ptr_array_index(nbft->ssns, 1);
	assert_string_equal(s->traddr, "100.71.103.49");
	assert_string_equal(s->trsvcid, "4420");
	assert_string_equal(s->subsys_nqn, R760_SUBNQN);
	assert_int_equal(s->nsid, 148);
	assert_int_equal(s->controller_id, 4166);
	assert_false(s->hdr_digest);
	assert_false(s->data_digest);
	assert_int_equal(nbft->diagnostics->len, 0);
}

static void
test_ip_origin_is_kept_as_an_opaque_number(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	const StasNbftHfi *hfi = stas_nbft_find_hfi(nbft, 1);

	/* 82 is no NL_PREFIX_ORIGIN value; Dell firmware writes it anyway */
	assert_int_equal(hfi->ip_origin, 82);
	assert_string_equal(stas_nbft_ip_origin_name(82), "non-standard");
	assert_string_equal(stas_nbft_ip_origin_name(3), "dhcp");
}

static void
test_ipv4_mapped_zero_prints_as_0_0_0_0_and_all_zero_as_double_colon(void **state)
{
	g_autoptr(StasNbft) v4 = parse_fixture("good/NBFT-static-ipv4", NULL);
	g_autoptr(StasNbft) v6 = parse_fixture("good/NBFT-static-ipv6", NULL);
	const StasNbftHfi *h4 = stas_nbft_find_hfi(v4, 1);
	const StasNbftHfi *h6 = stas_nbft_find_hfi(v6, 1);

	/* every address is 16 bytes; IPv4 ones are stored IPv4-mapped */
	assert_string_equal(h4->ip, "192.168.49.50");
	assert_string_equal(h4->gateway, "0.0.0.0");
	assert_string_equal(h6->ip, "fd09:9a46:b5c1:1fe::10");
	assert_string_equal(h6->gateway, "::");
	/* reserved without DHCP Override */
	assert_string_equal(h4->dhcp_server, "");
}

static void
test_duplicate_and_primary_secondary_hfis_are_removed(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	const StasNbftSsns *s = g_ptr_array_index(nbft->ssns, 0);
	gsize n = 0;
	const guint8 *raw = g_bytes_get_data(s->secondary_hfi_raw, &n);

	/* firmware lists the primary HFI again as a secondary one */
	assert_int_equal(n, 1);
	assert_int_equal(raw[0], 1);
	assert_int_equal(s->n_hfi_indexes, 1);
	assert_int_equal(s->hfi_indexes[0], 1);
}

static void
test_secondary_hfi_zero_is_ignored(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture("edge/NBFT-secondary-hfi-gap", NULL);
	const StasNbftSsns *s = g_ptr_array_index(nbft->ssns, 0);

	assert_int_equal(s->n_hfi_indexes, 1);
	assert_int_equal(s->hfi_indexes[0], 1);
}

static void
test_ext_info_flag_with_zero_length_reference_means_none(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture("good/NBFT-synthetic-2hfi-3ssns-disc-sec", NULL);
	const StasNbftSsns *s = g_ptr_array_index(nbft->ssns, 0);

	assert_true(s->flags & STAS_NBFT_SSNS_FLAG_EXT_INFO);
	assert_false(s->ext_info);
	assert_int_equal(s->controller_id, 0);
	assert_int_equal(nbft->diagnostics->len, 0);
}

static void
test_18_and_24_byte_ssns_ext_info_are_both_read(void **state)
{
	g_autoptr(StasNbft) v10 = parse_fixture(R760, NULL);
	g_autoptr(StasNbft) v11 = parse_fixture("good/NBFT-synthetic-mixed-nid-types", NULL);
	const StasNbftSsns *s10 = g_ptr_array_index(v10->ssns, 0);
	const StasNbftSsns *s11 = g_ptr_array_index(v11->ssns, 3);

	assert_true(s10->ext_info);
	assert_int_equal(s10->controller_id, 5);
	assert_int_equal(s10->naed, 0);
	assert_true(s11->ext_info);
	assert_int_equal(s11->naed, 2);
	assert_int_equal(s11->availability, STAS_NBFT_NS_RESERVED);
}

static void
test_heap_strings_with_and_without_nul_in_the_length(void **state)
{
	/* firmware: length excludes the NUL; synthetic tables: length includes it */
	g_autoptr(StasNbft) fw = parse_fixture(R760, NULL);
	g_autoptr(StasNbft) syn =
		parse_fixture("good/NBFT-synthetic-ipv6-3hfi-4ssns-2disc-2sec", NULL);
	const StasNbftDiscovery *d = g_ptr_array_index(syn->discovery, 0);

	assert_string_equal(((StasNbftDiscovery *)g_ptr_array_index(fw->discovery, 0))->uri,
			    "nvme+tcp://100.71.103.50:8009/");
	assert_string_equal(d->uri, "nvme+tcp://[fd00:1::5]:8009/");
	assert_string_equal(d->nqn, STAS_WELL_KNOWN_DISC_NQN);
}

static void
test_minor_revision_1_is_accepted_and_2_rejected(void **state)
{
	g_autoptr(GBytes) bytes = load_fixture(R760);
	gsize len = g_bytes_get_size(bytes);
	g_autofree guint8 *copy = copy_of(bytes, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) one = NULL;
	g_autoptr(StasNbft) two = NULL;

	copy[50] = 1;
	fix_checksum(copy, len);
	one = stas_nbft_parse(copy, len, "rev1.1", &error);
	assert_non_null(one);
	assert_int_equal(one->header.minor_revision, 1);
	copy[50] = 2;
	fix_checksum(copy, len);
	two = stas_nbft_parse(copy, len, "rev1.2", &error);
	assert_null(two);
	assert_non_null(strstr(error->message, "rev1.2: offset 50: unsupported minor revision 2"));
}

static void
test_checksum_covers_the_whole_table(void **state)
{
	g_autoptr(GBytes) bytes = load_fixture(R760);
	gsize len = g_bytes_get_size(bytes);
	g_autofree guint8 *copy = copy_of(bytes, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) nbft = NULL;

	/* the last heap byte */
	copy[len - 2] ^= 0x01;
	nbft = stas_nbft_parse(copy, len, "x", &error);
	assert_null(nbft);
	assert_non_null(strstr(error->message, "invalid checksum"));
}

static void
test_heap_reference_outside_the_heap_drops_the_descriptor(void **state)
{
	g_autoptr(GError) error = NULL;
	/* the R760 discovery URI reference {0x3b5, 30} moved to {0x3b5, 0x7fff} */
	g_autoptr(StasNbft) nbft = parse_patched(R760, "\xb5\x03\x00\x00\x1e\x00",
						 "\xb5\x03\x00\x00\xff\x7f", 6, &error);

	assert_non_null(nbft);
	assert_int_equal(nbft->discovery->len, 0);
	assert_true(diagnostics_mention(nbft->diagnostics, "discovery 1: URI heap object"));
	assert_true(diagnostics_mention(nbft->diagnostics, "offset 454"));
	/* the SSNS that named it keep parsing, without the link */
	assert_int_equal(nbft->ssns->len, 2);
	assert_int_equal(((StasNbftSsns *)g_ptr_array_index(nbft->ssns, 0))->discovery_index, 0);
}

static void
test_host_nqn_outside_the_heap_rejects_the_table(void **state)
{
	g_autoptr(GError) error = NULL;
	/* host NQN reference {0x242, 43} moved before the heap */
	g_autoptr(StasNbft) nbft = parse_patched(R760, "\x42\x02\x00\x00\x2b\x00",
						 "\x10\x00\x00\x00\x2b\x00", 6, &error);

	assert_null(nbft);
	assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
	assert_non_null(strstr(error->message, "host NQN heap object"));
}

static void
test_unresolved_discovery_hfi_drops_the_entry(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture("edge/NBFT-unresolved-discovery-hfi", NULL);

	assert_int_equal(nbft->header.num_disc, 1);
	assert_int_equal(nbft->discovery->len, 0);
	assert_true(diagnostics_mention(nbft->diagnostics, "discovery 1: HFI 0 not found"));
}

static guint32
le32(const guint8 *p)
{
	return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static void
test_diagnostics_of_a_hostile_table_are_capped(void **state)
{
	const char *file = "good/NBFT-Dell.PowerEdge.R660-fw1.5.5-mpath+discovery";
	g_autoptr(GBytes) bytes = load_fixture(file);
	gsize len = g_bytes_get_size(bytes);
	g_autofree guint8 *copy = copy_of(bytes, len);
	guint32 heap = le32(copy + 36), heap_len = le32(copy + 40);
	guint32 ssnso = le32(copy + 64 + 24);
	g_autoptr(StasNbft) nbft = NULL;

	/* every SSNS names the whole heap as its secondary HFI list: one
	 * "not found" per distinct byte value, far more than anyone reads */
	for (guint i = 0; i < copy[64 + 31]; i++) {
		guint8 *ref = copy + ssnso + i * 128 + 48;

		memcpy(ref, copy + 36, 4);
		ref[4] = heap_len & 0xff;
		ref[5] = (heap_len >> 8) & 0xff;
	}
	assert_true(heap > 0 && heap_len < 0x10000);
	fix_checksum(copy, len);
	nbft = stas_nbft_parse(copy, len, file, NULL);
	assert_non_null(nbft);
	assert_int_equal(nbft->ssns->len, 14);
	assert_int_equal(nbft->diagnostics->len, 257);
	assert_non_null(strstr(g_ptr_array_index(nbft->diagnostics, 256), "more problems"));
}

static void
test_names_of_coded_fields(void **state)
{
	static const guint8 nid[16] = {0xc8, 0x24, 0x04, 0xed, 0x9c, 0x15, 0xf5, 0x3b,
				       0x8c, 0xcf, 0x09, 0x68, 0x00, 0x2e, 0x0f, 0xca};
	g_autofree char *eui = stas_nbft_nid_to_string(STAS_NBFT_NID_EUI64, nid);

	assert_string_equal(eui, "c82404ed9c15f53b");
	assert_null(stas_nbft_nid_to_string(STAS_NBFT_NID_NONE, nid));
	assert_string_equal(stas_nbft_nid_type_name(7), "unknown");
	assert_string_equal(stas_nbft_primary_admin_name(STAS_NBFT_PRIMARY_ADMIN_SELECTED),
			    "selected");
	assert_string_equal(stas_nbft_sec_requirement_name(STAS_NBFT_SEC_NOT_REQUIRED),
			    "not-required");
	assert_string_equal(stas_nbft_policy_list_name(STAS_NBFT_POLICY_DRIVER), "driver");
	assert_string_equal(stas_nbft_availability_name(STAS_NBFT_NS_UNAVAILABLE), "unavailable");
	assert_string_equal(stas_nbft_ip_origin_name(16), "unchanged");
}

/* ------------------------------------------------------- files and dirs */

static void
test_list_files_finds_nbft_tables_in_name_order(void **state)
{
	g_autofree char *dir = g_dir_make_tmp("stas-nbft-XXXXXX", NULL);
	static const char *const names[] = {"NBFT2", "SSDT", "NBFT", "xNBFT", "NBFT1"};
	g_auto(GStrv) files = NULL;

	assert_non_null(dir);
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);

		assert_true(g_file_set_contents(p, "", 0, NULL));
	}
	files = stas_nbft_list_files(dir);
	assert_int_equal(g_strv_length(files), 3);
	assert_true(g_str_has_suffix(files[0], "/NBFT"));
	assert_true(g_str_has_suffix(files[1], "/NBFT1"));
	assert_true(g_str_has_suffix(files[2], "/NBFT2"));
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);

		g_unlink(p);
	}
	g_rmdir(dir);
}

static void
test_list_files_of_a_missing_dir_is_empty(void **state)
{
	g_auto(GStrv) files = stas_nbft_list_files("/nonexistent/stas/acpi/tables");

	assert_non_null(files);
	assert_null(files[0]);
}

static void
test_parse_file_names_the_path_in_errors(void **state)
{
	const char *dir = g_getenv("STAS_TEST_FIXTURES");
	g_autofree char *bad = g_build_filename(dir, "nbft/bad/NBFT-random-noise", NULL);
	g_autofree char *good = g_build_filename(dir, "nbft", R760, NULL);
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;
	g_autoptr(StasNbft) missing = stas_nbft_parse_file("/nonexistent/NBFT", &e1);
	g_autoptr(StasNbft) noise = stas_nbft_parse_file(bad, &e2);
	g_autoptr(StasNbft) ok = stas_nbft_parse_file(good, NULL);

	assert_null(missing);
	assert_true(g_error_matches(e1, STAS_ERROR, STAS_ERROR_NOT_FOUND));
	assert_null(noise);
	assert_true(g_str_has_prefix(e2->message, bad));
	assert_non_null(ok);
	assert_string_equal(ok->source, good);
}

static void
test_tables_are_refcounted(void **state)
{
	StasNbft *nbft = parse_fixture(R760, NULL);
	StasNbft *again = stas_nbft_ref(nbft);

	stas_nbft_unref(nbft);
	assert_string_equal(again->host.nqn, R760_HOSTNQN);
	stas_nbft_unref(again);
	stas_nbft_unref(NULL);
}

/* --------------------------------------------------------- robustness */

static void
parse_cleanly(const guint8 *data, gsize len, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) nbft = stas_nbft_parse(data, len, what, &error);

	if (nbft == NULL) {
		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
		assert_true(g_str_has_prefix(error->message, what));
		return;
	}
	assert_null(error);
	/* whatever parses can be turned into candidates without trouble */
	g_ptr_array_unref(stas_nbft_dc_candidates(nbft, NULL, NULL));
	g_ptr_array_unref(stas_nbft_ioc_candidates(nbft, NULL, NULL));
}

static void
for_each_good_table(void (*fn)(GBytes *bytes, const char *file))
{
	g_autoptr(JsonParser) parser = load_expected();
	const char *const groups[] = {"good", "edge"};

	for (gsize g = 0; g < G_N_ELEMENTS(groups); g++) {
		JsonArray *entries = expected_list(parser, groups[g]);

		for (guint i = 0; i < json_array_get_length(entries); i++) {
			const char *file = json_object_get_string_member(
				json_array_get_object_element(entries, i), "file");
			g_autoptr(GBytes) bytes = load_fixture(file);

			fn(bytes, file);
		}
	}
}

static void
truncate_everywhere(GBytes *bytes, const char *file)
{
	gsize size = g_bytes_get_size(bytes);

	for (gsize len = 0; len <= size; len++) {
		g_autofree guint8 *copy = copy_of(bytes, len);

		/* as cut (mostly a checksum or length failure): a sample is enough */
		if (len % 16 == 0 || len == size)
			parse_cleanly(copy, len, file);
		/* every length with the header length and checksum made to fit,
		 * so each heap object and descriptor end is hit exactly */
		if (len >= 10) {
			copy[4] = len & 0xff;
			copy[5] = (len >> 8) & 0xff;
			copy[6] = (len >> 16) & 0xff;
			copy[7] = (len >> 24) & 0xff;
			fix_checksum(copy, len);
			parse_cleanly(copy, len, file);
		}
	}
}

static void
test_truncated_tables_never_crash(void **state)
{
	for_each_good_table(truncate_everywhere);
}

static void
corrupt_everywhere(GBytes *bytes, const char *file)
{
	gsize size = g_bytes_get_size(bytes);
	const guint8 *orig = g_bytes_get_data(bytes, NULL);
	g_autofree guint8 *copy = copy_of(bytes, size);

	for (gsize i = 0; i < size; i++) {
		/* 0, all ones, or the top bit flipped, in turn */
		const guint8 values[] = {0x00, 0xff, (guint8)(orig[i] ^ 0x80)};

		memcpy(copy, orig, size);
		copy[i] = values[i % G_N_ELEMENTS(values)];
		/* fix the checksum, or only the checksum check would ever run */
		if (i != 9)
			fix_checksum(copy, size);
		parse_cleanly(copy, size, file);
	}
}

static void
test_single_byte_corruptions_never_crash(void **state)
{
	for_each_good_table(corrupt_everywhere);
}

static void
test_null_and_empty_input_are_rejected(void **state)
{
	g_autoptr(GError) e1 = NULL;
	g_autoptr(GError) e2 = NULL;

	assert_null(stas_nbft_parse(NULL, 100, NULL, &e1));
	assert_non_null(strstr(e1->message, "<buffer>: offset 0: table is too short (0 bytes"));
	assert_null(stas_nbft_parse((const guint8 *)"", 0, "empty", &e2));
	assert_true(g_error_matches(e2, STAS_ERROR, STAS_ERROR_INVALID));
}

/* ------------------------------------- cut tables, fields out of range (issue 7) */

static void
dump_hex(GString *s, const char *key, const guint8 *data, gsize n)
{
	g_autofree char *hex = hex_of(data, n);

	g_string_append_printf(s, " %s=%s", key, hex);
}

static void
dump_bytes(GString *s, const char *key, GBytes *b)
{
	gsize n = 0;
	const guint8 *data = b ? g_bytes_get_data(b, &n) : NULL;

	dump_hex(s, key, data, n);
}

static const char *
or_null(const char *s)
{
	return s ? s : "(null)";
}

static void
dump_header(GString *s, const StasNbft *n)
{
	const StasNbftHeader *h = &n->header;
	const StasNbftHost *host = &n->host;

	/* not the length: a cut table with its length made to fit is the same table */
	g_string_append_printf(s, "header %s %u.%u oem=%s/%s/%u creator=%s/%u heap=%u+%u",
			       h->signature, h->major_revision, h->minor_revision, h->oem_id,
			       h->oem_table_id, h->oem_revision, h->creator_id, h->creator_revision,
			       h->heap_offset, h->heap_length);
	/* the raw reference of an absent signature (length 0) is no fact */
	if (h->driver_dev_path_sig_length != 0)
		g_string_append_printf(s, " sig=%u+%u", h->driver_dev_path_sig_offset,
				       h->driver_dev_path_sig_length);
	g_string_append_printf(s, " sig=%s counts=%u/%u/%u/%u\n", or_null(h->driver_dev_path_sig),
			       h->num_hfi, h->num_ssns, h->num_sec, h->num_disc);
	g_string_append_printf(s, "host nqn=%s flags=%u id=%d nqn=%d admin=%u", or_null(host->nqn),
			       host->flags, host->id_configured, host->nqn_configured,
			       host->primary_admin);
	dump_hex(s, "id", host->id, sizeof(host->id));
	g_string_append_c(s, '\n');
}

static void
dump_hfi(GString *s, const StasNbftHfi *h)
{
	g_string_append_printf(s, "hfi %u %s flags=%u gr=%d dhcp=%d v=%u sbdf=%u seg=%u pci=%s",
			       h->index, h->trtype, h->tcp_flags, h->global_route, h->dhcp_override,
			       h->trinfo_version, h->pci_sbdf, h->pcie_seg_num, h->pci_addr);
	g_string_append_printf(s, " mac=%s vlan=%u origin=%u ip=%s/%u gw=%s metric=%u", h->mac,
			       h->vlan, h->ip_origin, h->ip, h->prefix, h->gateway,
			       h->route_metric);
	g_string_append_printf(s, " dns=%s,%s dhcp=%s name=%s iaid=%u", h->primary_dns,
			       h->secondary_dns, h->dhcp_server, or_null(h->host_name),
			       h->dhcp_iaid);
	dump_bytes(s, "duid", h->dhcp_duid);
	g_string_append_c(s, '\n');
}

static void
dump_security(GString *s, const StasNbftSecurity *x)
{
	g_string_append_printf(s, "sec %u flags=%u type=%u auth=%u/%u chan=%u/%u r=%d/%d/%d key=%s",
			       x->index, x->flags, x->secret_type, x->in_band_auth,
			       x->auth_policy_list, x->sec_chan_neg, x->sec_policy_list,
			       x->cipher_restricted, x->kx_groups_restricted,
			       x->sec_hash_func_policy_list, or_null(x->secret_keypath));
	dump_bytes(s, "algs", x->sec_chan_algs);
	dump_bytes(s, "auth", x->auth_protocols);
	dump_bytes(s, "ciphers", x->cipher_suites);
	dump_bytes(s, "kx", x->kx_groups);
	dump_bytes(s, "hash", x->sec_hash_funcs);
	g_string_append_c(s, '\n');
}

static void
dump_ssns(GString *s, const StasNbftSsns *x)
{
	g_string_append_printf(s, "ssns %u flags=%u %s trflags=%u dig=%d/%d %s:%s nqn=%s port=%u",
			       x->index, x->flags, x->trtype, x->trflags, x->hdr_digest,
			       x->data_digest, x->traddr, or_null(x->trsvcid),
			       or_null(x->subsys_nqn), x->subsys_port_id);
	g_string_append_printf(s, " nsid=%u nidt=%u disc=%u sec=%u d=%d nb=%d rp=%d avail=%u",
			       x->nsid, x->nid_type, x->discovery_index, x->security_index,
			       x->discovered, x->non_bootable, x->dhcp_root_path_override,
			       x->availability);
	g_string_append_printf(s,
			       " ext=%d cntlid=%u asqsz=%u root=%s naed=%u cipeec=%u cto=%u "
			       "nceec=%u",
			       x->ext_info, x->controller_id, x->asqsz, or_null(x->dhcp_root_path),
			       x->naed, x->cipeec, x->cto, x->nceec);
	dump_hex(s, "nid", x->nid, sizeof(x->nid));
	dump_hex(s, "hfis", x->hfi_indexes, x->n_hfi_indexes);
	dump_bytes(s, "secondary", x->secondary_hfi_raw);
	g_string_append_c(s, '\n');
}

/* every fact of a parsed table but its length, and its diagnostics: equal dumps, equal tables */
static char *
nbft_dump(const StasNbft *n)
{
	GString *s = g_string_new(NULL);

	dump_header(s, n);
	for (guint i = 0; i < n->hfi->len; i++)
		dump_hfi(s, g_ptr_array_index(n->hfi, i));
	for (guint i = 0; i < n->security->len; i++)
		dump_security(s, g_ptr_array_index(n->security, i));
	for (guint i = 0; i < n->discovery->len; i++) {
		const StasNbftDiscovery *d = g_ptr_array_index(n->discovery, i);

		g_string_append_printf(s, "disc %u flags=%u uri=%s nqn=%s hfi=%u sec=%u\n",
				       d->index, d->flags, or_null(d->uri), or_null(d->nqn),
				       d->hfi_index, d->sec_index);
	}
	for (guint i = 0; i < n->ssns->len; i++)
		dump_ssns(s, g_ptr_array_index(n->ssns, i));
	for (guint i = 0; i < n->diagnostics->len; i++)
		g_string_append_printf(s, "diag %s\n",
				       (char *)g_ptr_array_index(n->diagnostics, i));
	return g_string_free(s, FALSE);
}

static gboolean
names_offset(const char *msg, const char *file, guint32 at)
{
	g_autofree char *prefix = g_strdup_printf("%s: offset %u: ", file, at);

	return g_str_has_prefix(msg, prefix);
}

/* msg is "<file>: offset <n>: ..." with n in [lo, lo + size) */
static gboolean
names_offset_in(const char *msg, const char *file, guint32 lo, guint size)
{
	for (guint i = 0; i < size; i++) {
		if (names_offset(msg, file, lo + i))
			return TRUE;
	}
	return FALSE;
}

/* a table cut short, its header untouched: refused at the size, length or checksum check */
static void
cut_everywhere_refused(GBytes *bytes, const char *file)
{
	gsize size = g_bytes_get_size(bytes);

	for (gsize len = 0; len < size; len++) {
		g_autofree guint8 *copy = copy_of(bytes, len);
		g_autoptr(GError) error = NULL;
		g_autoptr(StasNbft) nbft = stas_nbft_parse(copy, len, file, &error);

		if (nbft != NULL)
			fail_msg("%s cut to %" G_GSIZE_FORMAT " bytes was accepted", file, len);
		if (!g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID) ||
		    !(names_offset(error->message, file, 0) ||
		      names_offset(error->message, file, 4) ||
		      names_offset(error->message, file, 9)))
			fail_msg("%s cut to %" G_GSIZE_FORMAT " bytes: %s", file, len,
				 error->message);
	}
}

static void
test_tables_cut_at_every_length_are_refused(void **state)
{
	for_each_good_table(cut_everywhere_refused);
}

/*
 * the same cut with the header's length and checksum made to fit: every
 * descriptor, list and heap object is bounded by the length, so the table
 * is refused with an error naming a byte offset, or it lost only bytes
 * nothing refers to and parses to the very same facts
 */
static void
cut_and_fixed_refused_or_whole(GBytes *bytes, const char *file)
{
	gsize size = g_bytes_get_size(bytes);
	g_autoptr(StasNbft) whole =
		stas_nbft_parse(g_bytes_get_data(bytes, NULL), size, file, NULL);
	g_autofree char *want = NULL;
	g_autofree char *prefix = g_strdup_printf("%s: offset ", file);

	assert_non_null(whole);
	want = nbft_dump(whole);
	for (gsize len = 10; len < size; len++) {
		g_autofree guint8 *copy = copy_of(bytes, len);
		g_autoptr(GError) error = NULL;
		g_autoptr(StasNbft) nbft = NULL;
		g_autofree char *got = NULL;

		copy[4] = len & 0xff;
		copy[5] = (len >> 8) & 0xff;
		copy[6] = (len >> 16) & 0xff;
		copy[7] = (len >> 24) & 0xff;
		fix_checksum(copy, len);
		nbft = stas_nbft_parse(copy, len, file, &error);
		if (nbft == NULL) {
			assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
			if (!g_str_has_prefix(error->message, prefix))
				fail_msg("%s cut to %" G_GSIZE_FORMAT ": %s", file, len,
					 error->message);
			continue;
		}
		got = nbft_dump(nbft);
		if (!g_str_equal(got, want))
			fail_msg("%s cut to %" G_GSIZE_FORMAT
				 " bytes (length fixed) parsed to other "
				 "facts:\n%s\nthe whole table:\n%s",
				 file, len, got, want);
	}
}

static void
test_tables_cut_with_length_fixed_are_refused_or_whole(void **state)
{
	for_each_good_table(cut_and_fixed_refused_or_whole);
}

/* a length, offset or count field of the table, found by walking it as the spec lays it out */
typedef struct {
	guint32 at;	   /* where the field is */
	guint width;	   /* 1, 2 or 4 bytes */
	gboolean offset;   /* an offset: also tried pointing into the header */
	guint32 reference; /* where its (offset, length) pair or list field starts */
	guint ref_size;	   /* and its size: a message naming a byte of it names the field */
	char *what;
} TableField;

static void
table_field_free(gpointer data)
{
	TableField *f = data;

	g_free(f->what);
	g_free(f);
}

static guint32
le(const guint8 *p, guint width)
{
	guint32 v = 0;

	for (guint i = 0; i < width; i++)
		v |= (guint32)p[i] << (8 * i);
	return v;
}

static gboolean
fits(gsize len, guint64 at, guint64 n)
{
	return at + n <= len;
}

static void
add_field(GPtrArray *out, guint32 at, guint width, gboolean offset, guint32 reference,
	  guint ref_size, char *what)
{
	TableField *f = g_new0(TableField, 1);

	f->at = at;
	f->width = width;
	f->offset = offset;
	f->reference = reference;
	f->ref_size = ref_size;
	f->what = what;
	g_ptr_array_add(out, f);
}

/* a heap reference: a 4-byte offset and a 2-byte length */
static void
add_ref(GPtrArray *out, guint32 at, const char *what, guint index)
{
	add_field(out, at, 4, TRUE, at, 6, g_strdup_printf("%s %u: offset", what, index));
	add_field(out, at + 4, 2, FALSE, at, 6, g_strdup_printf("%s %u: length", what, index));
}

static void
walk_hfi(GPtrArray *out, const guint8 *d, gsize len, guint32 at, guint index)
{
	guint32 t = le(d + at + 16, 4);
	guint32 tlen = le(d + at + 20, 2);

	add_ref(out, at + 16, "HFI transport info", index);
	if (tlen < 128 || !fits(len, t, 128))
		return;
	add_ref(out, t + 104, "HFI host name", index);
	if (d[t + 3] >= 2) {
		guint32 e = le(d + t + 110, 4);
		guint32 elen = le(d + t + 114, 2);

		add_ref(out, t + 110, "HFI extended info", index);
		if (elen >= 20 && fits(len, e, 20)) {
			add_ref(out, e + 8, "HFI DHCP IAID", index);
			add_ref(out, e + 14, "HFI DHCP DUID", index);
		}
	}
}

static void
walk_ssns(GPtrArray *out, const guint8 *d, gsize len, guint32 at, guint index)
{
	static const struct {
		guint off;
		const char *what;
	} refs[] = {{10, "SSNS transport address"},
		    {16, "SSNS transport service id"},
		    {48, "SSNS secondary HFIs"},
		    {54, "SSNS NQN"},
		    {60, "SSNS extended info"}};
	guint32 x = le(d + at + 60, 4);
	guint32 xlen = le(d + at + 64, 2);

	for (gsize i = 0; i < G_N_ELEMENTS(refs); i++)
		add_ref(out, at + refs[i].off, refs[i].what, index);
	if ((le(d + at + 3, 2) & STAS_NBFT_SSNS_FLAG_EXT_INFO) && xlen >= 18 && fits(len, x, 18))
		add_ref(out, x + 12, "SSNS DHCP root path", index);
}

/* the descriptors of one list of the control descriptor (field at ctl) */
static void
walk_list(GPtrArray *out, const guint8 *d, gsize len, guint32 ctl, const char *name)
{
	guint32 off = le(d + ctl, 4);
	guint32 stride = le(d + ctl + 4, 2);
	guint count = d[ctl + 7];

	/* offset, descriptor length, version, count */
	add_field(out, ctl, 4, TRUE, ctl, 8, g_strdup_printf("%s list: offset", name));
	add_field(out, ctl + 4, 2, FALSE, ctl, 8,
		  g_strdup_printf("%s list: descriptor length", name));
	add_field(out, ctl + 7, 1, FALSE, ctl, 8, g_strdup_printf("%s list: count", name));
	for (guint i = 0; i < count; i++) {
		guint32 at = off + i * stride;

		if (!fits(len, at, stride))
			break;
		if (g_str_equal(name, "HFI") && (d[at + 2] & 0x01)) {
			walk_hfi(out, d, len, at, d[at + 1]);
		} else if (g_str_equal(name, "SSNS") && (le(d + at + 3, 2) & 0x01)) {
			walk_ssns(out, d, len, at, le(d + at + 1, 2));
		} else if (g_str_equal(name, "security") && (le(d + at + 2, 2) & 0x01)) {
			for (guint r = 6; r <= 36; r += 6)
				add_ref(out, at + r, "security list or key path", d[at + 1]);
		} else if (g_str_equal(name, "discovery") && (d[at + 1] & 0x01)) {
			add_ref(out, at + 6, "discovery URI", d[at + 2]);
			add_ref(out, at + 12, "discovery NQN", d[at + 2]);
		}
	}
}

/* every length, offset and count field of a (valid) table */
static GPtrArray *
table_fields(const guint8 *d, gsize len)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(table_field_free);
	guint32 host = le(d + 72, 4);

	add_field(out, 4, 4, TRUE, 4, 4, g_strdup("header: table length"));
	add_field(out, 36, 4, TRUE, 36, 8, g_strdup("header: heap offset"));
	add_field(out, 40, 4, FALSE, 36, 8, g_strdup("header: heap length"));
	add_ref(out, 44, "header: driver signature", 0);
	add_field(out, 72, 4, TRUE, 72, 6, g_strdup("control: host descriptor offset"));
	add_field(out, 76, 2, FALSE, 72, 6, g_strdup("control: host descriptor length"));
	if (fits(len, host, 32))
		add_ref(out, host + 18, "host NQN", 0);
	walk_list(out, d, len, 80, "HFI");
	walk_list(out, d, len, 88, "SSNS");
	walk_list(out, d, len, 96, "security");
	walk_list(out, d, len, 104, "discovery");
	return out;
}

/* all ones, the table length and one past it, and for offsets a place in the header */
static guint
bad_values(const TableField *f, gsize len, guint32 out[4])
{
	guint n = 0;

	if (f->width == 1) {
		out[n++] = 0xff;
	} else if (f->width == 2) {
		out[n++] = 0xffff;
		if (len < 0xffff) {
			out[n++] = (guint32)len;
			out[n++] = (guint32)len + 1;
		}
	} else {
		out[n++] = 0xffffffff;
		out[n++] = (guint32)len;
		out[n++] = (guint32)len + 1;
		if (f->offset)
			out[n++] = 8;
	}
	return n;
}

/* a message naming the field, or a byte of the reference or list field it belongs to */
static gboolean
names_field(const char *msg, const char *file, const TableField *f)
{
	return names_offset(msg, file, f->at) ||
	       names_offset_in(msg, file, f->reference, f->ref_size);
}

static gboolean
new_diagnostic_names(const StasNbft *nbft, const StasNbft *whole, const char *file,
		     const TableField *f)
{
	for (guint i = 0; i < nbft->diagnostics->len; i++) {
		const char *d = g_ptr_array_index(nbft->diagnostics, i);

		if (names_field(d, file, f) && !diagnostics_mention(whole->diagnostics, d))
			return TRUE;
	}
	return FALSE;
}

/*
 * the table with the field set to value: refused with an error naming the
 * field (or the reference it belongs to), or parsed with a new diagnostic
 * naming it, or, when this table does not use the field, parsed as before
 */
static void
check_out_of_range(const char *file, const guint8 *data, gsize len, const TableField *f,
		   guint32 value, const StasNbft *whole, const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) nbft = stas_nbft_parse(data, len, file, &error);
	g_autofree char *got = NULL;

	if (nbft == NULL) {
		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
		if (names_field(error->message, file, f))
			return;
		fail_msg(
			"%s: %s (offset %u) = 0x%x: refused, but the error names another place: %s",
			file, f->what, f->at, value, error->message);
	}
	if (new_diagnostic_names(nbft, whole, file, f))
		return;
	got = nbft_dump(nbft);
	if (!g_str_equal(got, want))
		fail_msg("%s: %s (offset %u) = 0x%x: parsed to other facts without a diagnostic "
			 "naming it:\n%s\nthe table as it is:\n%s",
			 file, f->what, f->at, value, got, want);
}

static void
fields_out_of_range(GBytes *bytes, const char *file)
{
	gsize len = g_bytes_get_size(bytes);
	const guint8 *orig = g_bytes_get_data(bytes, NULL);
	g_autoptr(StasNbft) whole = stas_nbft_parse(orig, len, file, NULL);
	g_autoptr(GPtrArray) fields = table_fields(orig, len);
	g_autofree guint8 *copy = copy_of(bytes, len);
	g_autofree char *want = NULL;
	guint tried = 0;

	assert_non_null(whole);
	want = nbft_dump(whole);
	for (guint i = 0; i < fields->len; i++) {
		const TableField *f = g_ptr_array_index(fields, i);
		guint32 values[4];
		guint n = bad_values(f, len, values);

		for (guint v = 0; v < n; v++) {
			if (values[v] == le(orig + f->at, f->width))
				continue;
			memcpy(copy, orig, len);
			for (guint b = 0; b < f->width; b++)
				copy[f->at + b] = (values[v] >> (8 * b)) & 0xff;
			fix_checksum(copy, len);
			check_out_of_range(file, copy, len, f, values[v], whole, want);
			tried++;
		}
	}
	/* header, control and host at least: the walk found the table's fields */
	assert_true(fields->len >= 14);
	print_message("%s: %u fields, %u out-of-range values\n", file, fields->len, tried);
}

static void
put_le(guint8 *p, guint width, guint32 v)
{
	for (guint i = 0; i < width; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

#define SYNTH_2HFI   "good/NBFT-synthetic-2hfi-3ssns-disc-sec"
#define HFI_EXT_IAID 0x11223344u

/*
 * SYNTH_2HFI (transport info version 2, without extended info) with an HFI
 * extended info for its first HFI appended to the heap: DHCP client
 * identifiers in use, IAID 0x11223344, a 10-byte DUID.  no fixture has one.
 */
static GBytes *
table_with_hfi_ext(void)
{
	g_autoptr(GBytes) bytes = load_fixture(SYNTH_2HFI);
	gsize len = g_bytes_get_size(bytes);
	const guint8 *orig = g_bytes_get_data(bytes, NULL);
	guint32 heap_off = le(orig + 36, 4);
	guint32 heap_len = le(orig + 40, 4);
	guint32 trinfo = le(orig + le(orig + 80, 4) + 16, 4);
	guint32 ext = (guint32)len;
	guint32 iaid = ext + 20;
	guint32 duid = iaid + 4;
	gsize new_len = duid + 10;
	guint8 *d = g_malloc0(new_len);

	/* the heap ends the table; the first HFI's transport info is version 2, no ext info */
	assert_int_equal(heap_off + heap_len, len);
	assert_int_equal(orig[trinfo + 3], 2);
	assert_int_equal(le(orig + trinfo + 114, 2), 0);
	memcpy(d, orig, len);
	d[ext] = 10; /* structure id */
	d[ext + 1] = 1;
	put_le(d + ext + 4, 4, 0x03); /* valid, DHCP client identifiers in use */
	put_le(d + ext + 8, 4, iaid);
	put_le(d + ext + 12, 2, 4);
	put_le(d + ext + 14, 4, duid);
	put_le(d + ext + 18, 2, 10);
	put_le(d + iaid, 4, HFI_EXT_IAID);
	for (guint i = 0; i < 10; i++)
		d[duid + i] = (guint8)(0xd0 + i);
	put_le(d + trinfo + 110, 4, ext);
	put_le(d + trinfo + 114, 2, 20);
	put_le(d + 4, 4, (guint32)new_len);
	put_le(d + 40, 4, heap_len + (guint32)(new_len - len));
	fix_checksum(d, new_len);
	return g_bytes_new_take(d, new_len);
}

static void
test_hfi_extended_info_gives_the_dhcp_iaid_and_duid(void **state)
{
	g_autoptr(GBytes) bytes = table_with_hfi_ext();
	g_autoptr(GError) error = NULL;
	g_autoptr(StasNbft) nbft = stas_nbft_parse(g_bytes_get_data(bytes, NULL),
						   g_bytes_get_size(bytes), "hfi-ext", &error);
	const StasNbftHfi *hfi;
	const guint8 *duid;
	gsize n = 0;

	assert_non_null(nbft);
	assert_int_equal(nbft->diagnostics->len, 0);
	hfi = g_ptr_array_index(nbft->hfi, 0);
	assert_int_equal(hfi->dhcp_iaid, HFI_EXT_IAID);
	duid = g_bytes_get_data(hfi->dhcp_duid, &n);
	assert_int_equal(n, 10);
	assert_int_equal(duid[0], 0xd0);
	assert_int_equal(duid[9], 0xd9);
}

static void
test_every_length_and_offset_field_out_of_range_is_named(void **state)
{
	g_autoptr(GBytes) ext = table_with_hfi_ext();

	for_each_good_table(fields_out_of_range);
	/* the HFI extended info's own references too */
	fields_out_of_range(ext, SYNTH_2HFI "+hfi-ext");
}

/* --------------------------------------------------------- candidates */

static GHashTable *
map_of(const char *first, ...)
{
	GHashTable *map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	va_list ap;

	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *))
		g_hash_table_insert(map, g_strdup(k), g_strdup(va_arg(ap, const char *)));
	va_end(ap);
	return map;
}

static void
assert_map_equal(GHashTable *got, GHashTable *want)
{
	GHashTableIter iter;
	gpointer k, v;

	g_hash_table_iter_init(&iter, want);
	while (g_hash_table_iter_next(&iter, &k, &v)) {
		const char *g = g_hash_table_lookup(got, k);

		if (g_strcmp0(g, v) != 0)
			fail_msg("%s = %s, want %s", (char *)k, g ? g : "(absent)", (char *)v);
	}
	if (g_hash_table_size(got) != g_hash_table_size(want))
		fail_msg("%u keys, want %u", g_hash_table_size(got), g_hash_table_size(want));
}

static StasIfaceTable *
r760_host_ifaces(void)
{
	StasIfaceTable *t = stas_iface_table_new();

	stas_iface_table_add_link(t, 1, "lo", TRUE, "00:00:00:00:00:00");
	stas_iface_table_add_link(t, 2, "eno1", TRUE, "b0:26:28:e8:7c:0d");
	/* MACs compare without regard to case */
	stas_iface_table_add_link(t, 7, "eno2np1", TRUE, "B0:26:28:E8:7C:0E");
	return t;
}

static void
test_r760_dc_candidate_is_reference_6_2(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	g_autoptr(GPtrArray) dcs = stas_nbft_dc_candidates(nbft, NULL, NULL);
	g_autoptr(GHashTable) want =
		map_of("transport", "tcp", "traddr", "100.71.103.50", "trsvcid", "8009",
		       "subsysnqn", STAS_WELL_KNOWN_DISC_NQN, "host-nqn", R760_HOSTNQN, NULL);

	assert_int_equal(dcs->len, 1);
	assert_map_equal(g_ptr_array_index(dcs, 0), want);
}

static void
test_r760_dc_candidate_gets_host_iface_of_the_hfi_mac(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	g_autoptr(StasIfaceTable) ifaces = r760_host_ifaces();
	g_autoptr(StasIfaceTable) other = stas_iface_table_new();
	g_autoptr(GPtrArray) with = stas_nbft_dc_candidates(nbft, ifaces, NULL);
	g_autoptr(GPtrArray) without = NULL;
	g_autoptr(GHashTable) want = map_of(
		"transport", "tcp", "traddr", "100.71.103.50", "trsvcid", "8009", "subsysnqn",
		STAS_WELL_KNOWN_DISC_NQN, "host-nqn", R760_HOSTNQN, "host-iface", "eno2np1", NULL);

	assert_int_equal(with->len, 1);
	assert_map_equal(g_ptr_array_index(with, 0), want);
	/* no link with that MAC: no host-iface at all */
	stas_iface_table_add_link(other, 3, "eth0", TRUE, "52:54:00:12:34:56");
	without = stas_nbft_dc_candidates(nbft, other, NULL);
	assert_false(g_hash_table_contains(g_ptr_array_index(without, 0), "host-iface"));
}

static void
test_uri_without_port_defaults_to_8009_never_none(void **state)
{
	g_autoptr(GError) error = NULL;
	/* same 30-byte heap object, NUL padded */
	g_autoptr(StasNbft) nbft = parse_patched(R760, "nvme+tcp://100.71.103.50:8009/",
						 "nvme+tcp://100.71.103.50/\0\0\0\0\0", 30, &error);
	g_autoptr(GPtrArray) dcs = NULL;
	GHashTable *dc;

	assert_non_null(nbft);
	assert_string_equal(((StasNbftDiscovery *)g_ptr_array_index(nbft->discovery, 0))->uri,
			    "nvme+tcp://100.71.103.50/");
	dcs = stas_nbft_dc_candidates(nbft, NULL, NULL);
	assert_int_equal(dcs->len, 1);
	dc = g_ptr_array_index(dcs, 0);
	assert_string_equal(g_hash_table_lookup(dc, "trsvcid"), "8009");
	assert_string_equal(g_hash_table_lookup(dc, "traddr"), "100.71.103.50");
}

typedef struct {
	const char *uri;
	const char *transport;
	const char *traddr;
	const char *trsvcid;
} UriCase;

static void
test_uri_forms(void **state)
{
	static const UriCase ok[] = {
		{"nvme+tcp://100.71.103.50:8009/", "tcp", "100.71.103.50", "8009"},
		{"nvme+tcp://192.168.49.10:4420/", "tcp", "192.168.49.10", "4420"},
		{"nvme+tcp://[4321:BBBB::1]:4420/", "tcp", "4321:bbbb::1", "4420"},
		{"nvme+tcp://[FD00:1::5]/", "tcp", "fd00:1::5", "8009"},
		{"nvme+rdma://10.0.0.1/", "rdma", "10.0.0.1", "4420"},
		{"nvme+rdma://[2001:db8::1]", "rdma", "2001:db8::1", "4420"},
		{"NVME+TCP://10.0.0.1:4421", "tcp", "10.0.0.1", "4421"},
		{"nvme+tcp://10.0.0.1:/x?y#z", "tcp", "10.0.0.1", "8009"},
		{"nvme+tcp://user@10.0.0.2:4420/", "tcp", "10.0.0.2", "4420"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(ok); i++) {
		g_autofree char *tr = NULL, *addr = NULL, *port = NULL;
		g_autoptr(GError) error = NULL;

		if (!stas_nbft_parse_uri(ok[i].uri, &tr, &addr, &port, &error))
			fail_msg("%s: %s", ok[i].uri, error->message);
		assert_string_equal(tr, ok[i].transport);
		assert_string_equal(addr, ok[i].traddr);
		assert_string_equal(port, ok[i].trsvcid);
	}
}

static void
test_uri_that_would_smuggle_options_or_is_unusable_is_rejected(void **state)
{
	static const char *const bad[] = {
		"http://10.0.0.1/",
		"nvme+tcp:/10.0.0.1/",
		"nvme+fc://nn-0x1:pn-0x2/",
		"nvme+tcp://host.example.com/",
		"nvme+tcp://1.2.3.4,hostnqn=x/",
		"nvme+tcp://1.2.3.4:4420,nr_io_queues=1/",
		"nvme+tcp://1.2.3.4:0/",
		"nvme+tcp://1.2.3.4:65536/",
		"nvme+tcp://1.2.3.4:+80/",
		"nvme+tcp://[::1/",
		"nvme+tcp://[::1]x/",
		"nvme+tcp://::1:8009/",
		"nvme+tcp://0.0.0.0:8009/",
		"nvme+tcp://[::]/",
		"nvme+tcp:///",
		"nvme+://1.2.3.4/",
		"nvme+t\ncp://1.2.3.4/",
		"nvme+tcp://1.2.3.4\n/",
		"\x1b[2Jnvme+tcp://1.2.3.4/",
		"",
		NULL,
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *tr = NULL, *addr = NULL, *port = NULL;
		g_autoptr(GError) error = NULL;

		if (stas_nbft_parse_uri(bad[i], &tr, &addr, &port, &error))
			fail_msg("accepted %s", bad[i] ? bad[i] : "(null)");
		assert_true(g_error_matches(error, STAS_ERROR, STAS_ERROR_INVALID));
		/* the untrusted text is quoted, never copied raw into a log line */
		assert_true(stas_str_is_printable_ascii(error->message, -1));
		assert_null(tr);
	}
}

static void
test_r760_ioc_candidates(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture(R760, NULL);
	g_autoptr(StasIfaceTable) ifaces = r760_host_ifaces();
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, ifaces, NULL);
	g_autoptr(GHashTable) want0 =
		map_of("transport", "tcp", "traddr", "100.71.103.48", "trsvcid", "4420",
		       "subsysnqn", R760_SUBNQN, "hdr-digest", "false", "data-digest", "false",
		       "host-nqn", R760_HOSTNQN, "host-iface", "eno2np1", NULL);
	g_autoptr(GHashTable) want1 =
		map_of("transport", "tcp", "traddr", "100.71.103.49", "trsvcid", "4420",
		       "subsysnqn", R760_SUBNQN, "hdr-digest", "false", "data-digest", "false",
		       "host-nqn", R760_HOSTNQN, "host-iface", "eno2np1", NULL);

	assert_int_equal(iocs->len, 2);
	assert_map_equal(g_ptr_array_index(iocs, 0), want0);
	assert_map_equal(g_ptr_array_index(iocs, 1), want1);
}

static void
test_ioc_candidate_carries_digests_and_primary_hfi_iface(void **state)
{
	g_autoptr(StasNbft) nbft =
		parse_fixture("good/NBFT-synthetic-ipv6-3hfi-4ssns-2disc-2sec", NULL);
	const StasNbftHfi *hfi2 = stas_nbft_find_hfi(nbft, 2);
	g_autoptr(StasIfaceTable) ifaces = stas_iface_table_new();
	g_autoptr(GPtrArray) iocs = NULL;
	GHashTable *ioc;

	stas_iface_table_add_link(ifaces, 4, "ens4", TRUE, hfi2->mac);
	iocs = stas_nbft_ioc_candidates(nbft, ifaces, NULL);
	assert_int_equal(iocs->len, 4);
	/* SSNS 1: hdr+data digest, HFI 1 has no local link */
	ioc = g_ptr_array_index(iocs, 0);
	assert_string_equal(g_hash_table_lookup(ioc, "hdr-digest"), "true");
	assert_string_equal(g_hash_table_lookup(ioc, "data-digest"), "true");
	assert_false(g_hash_table_contains(ioc, "host-iface"));
	/* SSNS 2 goes through HFI 2 */
	ioc = g_ptr_array_index(iocs, 1);
	assert_string_equal(g_hash_table_lookup(ioc, "traddr"), "fd00:2::5");
	assert_string_equal(g_hash_table_lookup(ioc, "host-iface"), "ens4");
}

static void
test_unconfigured_host_nqn_is_left_out(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture("good/NBFT-synthetic-dhcp-2hfi-3ssns-2sec", NULL);
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, NULL, NULL);

	assert_false(nbft->host.nqn_configured);
	assert_int_equal(iocs->len, 3);
	for (guint i = 0; i < iocs->len; i++)
		assert_false(g_hash_table_contains(g_ptr_array_index(iocs, i), "host-nqn"));
}

static void
test_unavailable_ssns_still_gives_an_ioc_candidate(void **state)
{
	g_autoptr(StasNbft) nbft = parse_fixture("good/NBFT-ipv6-noip+disc", NULL);
	const StasNbftSsns *s = g_ptr_array_index(nbft->ssns, 0);
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, NULL, NULL);
	g_autoptr(GPtrArray) dcs = stas_nbft_dc_candidates(nbft, NULL, NULL);

	/* "unavailable" is a point-in-time hint of the pre-OS driver */
	assert_int_equal(s->availability, STAS_NBFT_NS_UNAVAILABLE);
	assert_int_equal(iocs->len, 1);
	assert_string_equal(g_hash_table_lookup(g_ptr_array_index(iocs, 0), "traddr"),
			    "4321:bbbb::1");
	assert_int_equal(dcs->len, 1);
	assert_string_equal(g_hash_table_lookup(g_ptr_array_index(dcs, 0), "traddr"),
			    "4321:bbbb::1");
	assert_string_equal(g_hash_table_lookup(g_ptr_array_index(dcs, 0), "trsvcid"), "4420");
}

static void
test_candidate_with_a_smuggled_option_is_skipped_and_named(void **state)
{
	g_autoptr(GError) error = NULL;
	/* a ',' in SSNS 1's NQN would add a kernel option */
	g_autoptr(StasNbft) nbft =
		parse_patched(R760, "powerstore:00:2a64abf1c5b81F6C4549\0\x09",
			      "powerstore:00:2a64abf1c5b81F6C454,\0\x09", 36, &error);
	g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) iocs = NULL;

	assert_non_null(nbft);
	iocs = stas_nbft_ioc_candidates(nbft, NULL, diags);
	assert_int_equal(iocs->len, 1);
	assert_string_equal(g_hash_table_lookup(g_ptr_array_index(iocs, 0), "traddr"),
			    "100.71.103.49");
	assert_int_equal(diags->len, 1);
	assert_true(g_str_has_prefix(g_ptr_array_index(diags, 0), R760 ": SSNS 1: "));
	assert_non_null(strstr(g_ptr_array_index(diags, 0), "','"));
}

static void
test_discovery_without_nqn_uses_the_well_known_nqn(void **state)
{
	g_autoptr(GError) error = NULL;
	/* the R760 discovery NQN reference {0x3d4, 36} cleared */
	g_autoptr(StasNbft) nbft = parse_patched(R760, "\xd4\x03\x00\x00\x24\x00",
						 "\x00\x00\x00\x00\x00\x00", 6, &error);
	g_autoptr(GPtrArray) dcs = NULL;

	assert_non_null(nbft);
	assert_null(((StasNbftDiscovery *)g_ptr_array_index(nbft->discovery, 0))->nqn);
	dcs = stas_nbft_dc_candidates(nbft, NULL, NULL);
	assert_string_equal(g_hash_table_lookup(g_ptr_array_index(dcs, 0), "subsysnqn"),
			    STAS_WELL_KNOWN_DISC_NQN);
}

static void
check_candidates_make_valid_tids(GBytes *bytes, const char *file)
{
	g_autoptr(StasNbft) nbft =
		stas_nbft_parse(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), file, NULL);
	g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dcs = stas_nbft_dc_candidates(nbft, NULL, diags);
	g_autoptr(GPtrArray) iocs = stas_nbft_ioc_candidates(nbft, NULL, diags);
	const StasTidDefaults dc = {.kind = STAS_TID_KIND_DC, .host_nqn = "nqn.x"};
	const StasTidDefaults ioc = {.kind = STAS_TID_KIND_IOC, .host_nqn = "nqn.x"};

	/* every descriptor of the fixtures is usable */
	if (diags->len)
		fail_msg("%s", (char *)g_ptr_array_index(diags, 0));
	assert_int_equal(dcs->len, nbft->discovery->len);
	assert_int_equal(iocs->len, nbft->ssns->len);
	for (guint i = 0; i < dcs->len + iocs->len; i++) {
		gboolean is_dc = i < dcs->len;
		GHashTable *map =
			is_dc ? g_ptr_array_index(dcs, i) : g_ptr_array_index(iocs, i - dcs->len);
		g_autoptr(StasTid) tid = stas_tid_new_from_map(map, is_dc ? &dc : &ioc);
		g_autoptr(GError) error = NULL;

		if (!stas_validate_tid(tid, &error))
			fail_msg("%s: %s: %s", file, stas_tid_to_string(tid), error->message);
		assert_string_equal(tid->trsvcid, g_hash_table_lookup(map, "trsvcid"));
	}
}

static void
test_every_candidate_of_the_fixtures_is_a_valid_tid(void **state)
{
	for_each_good_table(check_candidates_make_valid_tids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_good_table_gives_the_expected_facts),
		cmocka_unit_test(test_every_edge_table_parses_to_the_expected_facts),
		cmocka_unit_test(test_every_bad_table_is_rejected_at_the_expected_check),
		cmocka_unit_test(test_r760_parses_as_reference_6_2_says),
		cmocka_unit_test(test_ip_origin_is_kept_as_an_opaque_number),
		cmocka_unit_test(
			test_ipv4_mapped_zero_prints_as_0_0_0_0_and_all_zero_as_double_colon),
		cmocka_unit_test(test_duplicate_and_primary_secondary_hfis_are_removed),
		cmocka_unit_test(test_secondary_hfi_zero_is_ignored),
		cmocka_unit_test(test_ext_info_flag_with_zero_length_reference_means_none),
		cmocka_unit_test(test_18_and_24_byte_ssns_ext_info_are_both_read),
		cmocka_unit_test(test_heap_strings_with_and_without_nul_in_the_length),
		cmocka_unit_test(test_minor_revision_1_is_accepted_and_2_rejected),
		cmocka_unit_test(test_checksum_covers_the_whole_table),
		cmocka_unit_test(test_heap_reference_outside_the_heap_drops_the_descriptor),
		cmocka_unit_test(test_host_nqn_outside_the_heap_rejects_the_table),
		cmocka_unit_test(test_unresolved_discovery_hfi_drops_the_entry),
		cmocka_unit_test(test_diagnostics_of_a_hostile_table_are_capped),
		cmocka_unit_test(test_names_of_coded_fields),
		cmocka_unit_test(test_list_files_finds_nbft_tables_in_name_order),
		cmocka_unit_test(test_list_files_of_a_missing_dir_is_empty),
		cmocka_unit_test(test_parse_file_names_the_path_in_errors),
		cmocka_unit_test(test_tables_are_refcounted),
		cmocka_unit_test(test_truncated_tables_never_crash),
		cmocka_unit_test(test_single_byte_corruptions_never_crash),
		cmocka_unit_test(test_null_and_empty_input_are_rejected),
		cmocka_unit_test(test_tables_cut_at_every_length_are_refused),
		cmocka_unit_test(test_tables_cut_with_length_fixed_are_refused_or_whole),
		cmocka_unit_test(test_hfi_extended_info_gives_the_dhcp_iaid_and_duid),
		cmocka_unit_test(test_every_length_and_offset_field_out_of_range_is_named),
		cmocka_unit_test(test_r760_dc_candidate_is_reference_6_2),
		cmocka_unit_test(test_r760_dc_candidate_gets_host_iface_of_the_hfi_mac),
		cmocka_unit_test(test_uri_without_port_defaults_to_8009_never_none),
		cmocka_unit_test(test_uri_forms),
		cmocka_unit_test(test_uri_that_would_smuggle_options_or_is_unusable_is_rejected),
		cmocka_unit_test(test_r760_ioc_candidates),
		cmocka_unit_test(test_ioc_candidate_carries_digests_and_primary_hfi_iface),
		cmocka_unit_test(test_unconfigured_host_nqn_is_left_out),
		cmocka_unit_test(test_unavailable_ssns_still_gives_an_ioc_candidate),
		cmocka_unit_test(test_candidate_with_a_smuggled_option_is_skipped_and_named),
		cmocka_unit_test(test_discovery_without_nqn_uses_the_well_known_nqn),
		cmocka_unit_test(test_every_candidate_of_the_fixtures_is_a_valid_tid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
