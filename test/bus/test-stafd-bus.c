/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the bus tier for stafd (SPEC 7.2): stafd-test on a private dbus-daemon
 * with the project's policy, a fake kernel under it, seen through the
 * generated proxies as stafctl and stacd see it: every method, property and
 * signal of org.nvmexpress.staf and .debug (REFERENCE 3.2, 3.3, 3.5, 3.6),
 * the error paths, the policy (an unprivileged caller reads everything and
 * sets nothing), and no secret in any reply (SPEC B3).
 *
 * one meson test per case: test-stafd-bus --case NAME.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "daemon-fixture.h"
#include "stas-staf-dbus.h"

#define NAME	  "org.nvmexpress.staf"
#define PATH	  "/org/nvmexpress/staf"
#define IFACE	  "org.nvmexpress.staf"
#define IFACE_DBG "org.nvmexpress.staf.debug"
#define CALL_MS	  10000
#define DC_ADDR	  "127.0.0.10"
#define IO1_NQN	  "nqn.2014-08.com.example:io1"
#define IO2_NQN	  "nqn.2014-08.com.example:io2"
#define IO3_NQN	  "nqn.2014-08.com.example:io3"
#define DC_SERIAL "SN-DC-0001"
#define REDACTED  "<redacted>"

/* secrets of the no-secret case: each must appear in no reply */
#define HOST_KEY   "DHHC-1:00:SG9zdEtleU9mVGhlVGVzdEhvc3RPbmx5MTIzNDU2Nzg5MEFC=:"
#define DC_SECRET  "DHHC-1:01:Q3RybFNlY3JldE9mVGhlRGlzY292ZXJ5Q3RybDEyMzQ1Njc=:"
#define DC_CSECRET "DHHC-1:02:Q29udHJvbGxlclNpZGVTZWNyZXRGb3JCaWRpcmVjdGlvbmFs=:"

/* the dictionaries' key sets (REFERENCE 3.5, 3.6) */
static const char *const id_keys[] = {"transport", "traddr",	  "trsvcid",
				      "subsysnqn", "host-traddr", "host-iface",
				      "host-nqn",  "device",	  NULL};
static const char *const info_keys[] = {"connect attempts", "retry connect timer", "origin", NULL};
static const char *const details_keys[] = {"hostid", "hostnqn",	  "model",     "serial",
					   "dctype", "cntrltype", "connected", NULL};
static const char *const dlpe_keys[] = {"trtype",  "adrfam", "traddr", "trsvcid", "subnqn",
					"subtype", "treq",   "portid", "cntlid",  "asqsz",
					"eflags",  "tsas",   NULL};

typedef struct {
	StasDbusStaf *staf;
	StasDbusStafDebug *debug;
} Proxies;

static void
proxies_clear(Proxies *p)
{
	g_clear_object(&p->staf);
	g_clear_object(&p->debug);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Proxies, proxies_clear)

static void
proxies_init(Proxies *p, GDBusConnection *bus, GError **error)
{
	p->staf = stas_dbus_staf_proxy_new_sync(bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH, NULL,
						error);
	if (p->staf == NULL)
		return;
	p->debug = stas_dbus_staf_debug_proxy_new_sync(bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH,
						       NULL, error);
	if (p->debug == NULL)
		return;
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p->staf), CALL_MS);
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p->debug), CALL_MS);
}

static void
proxies_must_init(Proxies *p, DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;

	proxies_init(p, f->bus, &error);
	if (error)
		fail_msg("cannot create the proxies: %s", error->message);
}

/* ---- wire helpers -------------------------------------------------------- */

static GVariant *
list_controllers(Proxies *p, gboolean detailed)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_staf_call_list_controllers_sync(p->staf, detailed, &out, NULL, &error))
		fail_msg("list_controllers(%d): %s", detailed, error->message);
	return out;
}

static GVariant *
get_log_pages(Proxies *p, const char *transport, const char *traddr, const char *trsvcid,
	      const char *nqn, const char *host_traddr, const char *host_iface,
	      const char *host_nqn)
{
	g_autoptr(GError) error = NULL;
	GVariant *out = NULL;

	if (!stas_dbus_staf_call_get_log_pages_sync(p->staf, transport, traddr, trsvcid, nqn,
						    host_traddr, host_iface, host_nqn, &out, NULL,
						    &error))
		fail_msg("get_log_pages: %s", error->message);
	return out;
}

static GVariant *
dc_log_pages(Proxies *p)
{
	return get_log_pages(p, "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "", DF_HOSTNQN);
}

static char *
get_all_log_pages(Proxies *p, gboolean detailed)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_staf_call_get_all_log_pages_sync(p->staf, detailed, &out, NULL, &error))
		fail_msg("get_all_log_pages(%d): %s", detailed, error->message);
	return out;
}

static char *
process_info(Proxies *p)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_staf_debug_call_process_info_sync(p->debug, &out, NULL, &error))
		fail_msg("process_info: %s", error->message);
	return out;
}

static char *
controller_info(Proxies *p, const char *traddr)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_staf_debug_call_controller_info_sync(p->debug, "tcp", traddr, "8009",
							    DF_DISC_NQN, "", "", DF_HOSTNQN, &out,
							    NULL, &error))
		fail_msg("controller_info: %s", error->message);
	return out;
}

/* org.freedesktop.DBus.Properties.Get, not the proxy's cache */
static GVariant *
get_property(GDBusConnection *bus, const char *name, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	GVariant *value = NULL;

	reply = g_dbus_connection_call_sync(bus, NAME, PATH, "org.freedesktop.DBus.Properties",
					    "Get", g_variant_new("(ss)", IFACE_DBG, name),
					    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, CALL_MS,
					    NULL, error);
	if (reply)
		g_variant_get(reply, "(v)", &value);
	return value;
}

static gboolean
set_property(GDBusConnection *bus, const char *name, GVariant *value, GError **error)
{
	g_autoptr(GVariant) reply = NULL;

	reply = g_dbus_connection_call_sync(bus, NAME, PATH, "org.freedesktop.DBus.Properties",
					    "Set", g_variant_new("(ssv)", IFACE_DBG, name, value),
					    NULL, G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, error);
	return reply != NULL;
}

static gboolean
get_tron(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = get_property(f->bus, "tron", &error);

	if (v == NULL)
		fail_msg("Get tron: %s", error->message);
	if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
		fail_msg("tron is of type %s, not b", g_variant_get_type_string(v));
	return g_variant_get_boolean(v);
}

static char *
get_log_level(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) v = get_property(f->bus, "log_level", &error);

	if (v == NULL)
		fail_msg("Get log_level: %s", error->message);
	if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
		fail_msg("log_level is of type %s, not s", g_variant_get_type_string(v));
	return g_variant_dup_string(v, NULL);
}

static void
set_tron(DaemonFixture *f, gboolean on)
{
	g_autoptr(GError) error = NULL;

	if (!set_property(f->bus, "tron", g_variant_new_boolean(on), &error))
		fail_msg("Set tron=%d as root: %s", on, error->message);
}

/* the string value of key in an a{ss} dictionary, NULL if absent */
static const char *
lookup(GVariant *dict, const char *key)
{
	const char *v = NULL;

	if (!g_variant_lookup(dict, key, "&s", &v))
		return NULL;
	return v;
}

static void
assert_value(GVariant *dict, const char *key, const char *expected)
{
	const char *v = lookup(dict, key);

	if (g_strcmp0(v, expected) != 0)
		fail_msg("key \"%s\": expected \"%s\", got \"%s\"", key, expected,
			 v ? v : "(absent)");
}

static gboolean
in_list(const char *const *list, const char *key)
{
	for (guint i = 0; list && list[i]; i++) {
		if (g_str_equal(list[i], key))
			return TRUE;
	}
	return FALSE;
}

/* dict has every key of each list, and (exact) no other */
static void
assert_keys(GVariant *dict, const char *const *a, const char *const *b, const char *const *c,
	    gboolean exact)
{
	const char *const *lists[] = {a, b, c};
	GVariantIter iter;
	const char *key;

	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
		for (guint i = 0; lists[l] && lists[l][i]; i++) {
			if (lookup(dict, lists[l][i]) == NULL)
				fail_msg("key \"%s\" missing", lists[l][i]);
		}
	}
	if (!exact)
		return;
	g_variant_iter_init(&iter, dict);
	while (g_variant_iter_next(&iter, "{&s&s}", &key, NULL)) {
		if (!in_list(a, key) && !in_list(b, key) && !in_list(c, key))
			fail_msg("unexpected key \"%s\"", key);
	}
}

static gboolean
is_timer_string(const char *s)
{
	/* "60.0s [off]", "3.0s [2.41s]" */
	return s &&
	       g_regex_match_simple("^[0-9]+\\.[0-9]+s \\[(off|[0-9]+(\\.[0-9]+)?s)\\]$", s, 0, 0);
}

/* ---- JSON helpers ---------------------------------------------------------- */

static void
assert_json_string(JsonObject *o, const char *key, const char *expected)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_STRING)
		fail_msg("JSON member \"%s\" missing or not a string", key);
	if (expected && g_strcmp0(json_node_get_string(n), expected) != 0)
		fail_msg("JSON member \"%s\": expected \"%s\", got \"%s\"", key, expected,
			 json_node_get_string(n));
}

/* every member a string, with every key of the lists, and (exact) no other */
static void
assert_json_dict(JsonObject *o, const char *const *a, const char *const *b, const char *const *c,
		 gboolean exact)
{
	const char *const *lists[] = {a, b, c};
	g_autoptr(GList) members = json_object_get_members(o);

	for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
		for (guint i = 0; lists[l] && lists[l][i]; i++)
			assert_json_string(o, lists[l][i], NULL);
	}
	for (GList *m = members; m; m = m->next) {
		assert_json_string(o, m->data, NULL);
		if (exact && !in_list(a, m->data) && !in_list(b, m->data) && !in_list(c, m->data))
			fail_msg("unexpected JSON member \"%s\"", (char *)m->data);
	}
}

/* ---- the common setup -------------------------------------------------------- */

/* a CDC at DC_ADDR with two I/O subsystem entries */
static void
declare_dc(DaemonFixture *f)
{
	df_kernel_do(f, "declare-dc",
		     "{\"name\":\"dc\",\"traddr\":\"" DC_ADDR "\",\"dctype\":\"cdc\","
		     "\"serial\":\"" DC_SERIAL "\",\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.11\",\"trsvcid\":\"4420\","
		     "\"subnqn\":\"" IO1_NQN "\"},"
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.12\",\"trsvcid\":\"4421\","
		     "\"subnqn\":\"" IO2_NQN "\",\"portid\":7,\"eflags\":4}]}");
}

static gboolean
n_log_pages_is(Proxies *p, gsize n)
{
	g_autoptr(GVariant) pages = dc_log_pages(p);

	return g_variant_n_children(pages) == n;
}

/* the DC connected (a device name) and its log read */
static void
wait_dc_ready(DaemonFixture *f, Proxies *p, gsize n_pages)
{
	DF_ASSERT_EVENTUALLY(f, n_log_pages_is(p, n_pages), DF_TIMEOUT_SEC);
}

/* the usual start: the DC, stafd.conf naming it, stafd, proxies */
static void
start(DaemonFixture *f, Proxies *p, const char *conf)
{
	declare_dc(f);
	df_write(f, "stafd.conf",
		 conf ? conf : "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR "\n");
	df_start_stafd(f);
	proxies_must_init(p, f);
	wait_dc_ready(f, p, 2);
	/* signals of the first read, queued meanwhile, are not the case's */
	df_iterate(f, 100);
}

/* ---- list_controllers ------------------------------------------------------- */

static void
check_id_values(DaemonFixture *f, GVariant *dict)
{
	g_autofree char *dev = df_kernel_device_of(f, DC_ADDR);

	assert_non_null(dev);
	assert_value(dict, "transport", "tcp");
	assert_value(dict, "traddr", DC_ADDR);
	assert_value(dict, "trsvcid", "8009");
	assert_value(dict, "subsysnqn", DF_DISC_NQN);
	assert_value(dict, "host-traddr", "");
	assert_value(dict, "host-iface", "");
	assert_value(dict, "host-nqn", DF_HOSTNQN);
	assert_value(dict, "device", dev);
}

static void
case_list_controllers(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) dict = NULL;

	start(f, &p, NULL);
	list = list_controllers(&p, FALSE);
	assert_string_equal(g_variant_get_type_string(list), "aa{ss}");
	assert_int_equal(g_variant_n_children(list), 1);
	dict = g_variant_get_child_value(list, 0);
	assert_keys(dict, id_keys, NULL, NULL, TRUE);
	check_id_values(f, dict);
}

static void
case_list_controllers_detailed(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) dict = NULL;

	start(f, &p, NULL);
	list = list_controllers(&p, TRUE);
	assert_int_equal(g_variant_n_children(list), 1);
	dict = g_variant_get_child_value(list, 0);
	/* details() = info() + sysfs attributes; operation keys may come and go */
	assert_keys(dict, id_keys, info_keys, details_keys, FALSE);
	check_id_values(f, dict);
	assert_value(dict, "connect attempts", "0");
	if (!is_timer_string(lookup(dict, "retry connect timer")))
		fail_msg("retry connect timer \"%s\" is not a timer string",
			 lookup(dict, "retry connect timer"));
	assert_value(dict, "origin", "configured");
	assert_value(dict, "connected", "True");
	assert_value(dict, "hostnqn", DF_HOSTNQN);
	assert_value(dict, "hostid", DF_HOSTID);
	assert_value(dict, "model", "Linux");
	assert_value(dict, "serial", DC_SERIAL);
	assert_value(dict, "dctype", "cdc");
	assert_value(dict, "cntrltype", "discovery");
}

/* ---- get_log_pages ----------------------------------------------------------- */

static void
check_dlpe(GVariant *e, const char *traddr, const char *trsvcid, const char *nqn,
	   const char *portid, const char *eflags)
{
	assert_keys(e, dlpe_keys, NULL, NULL, TRUE);
	assert_value(e, "trtype", "tcp");
	assert_value(e, "adrfam", "ipv4");
	assert_value(e, "traddr", traddr);
	assert_value(e, "trsvcid", trsvcid);
	assert_value(e, "subnqn", nqn);
	assert_value(e, "subtype", "nvme");
	assert_value(e, "treq", "not specified");
	assert_value(e, "portid", portid);
	assert_value(e, "cntlid", "65535");
	assert_value(e, "asqsz", "32");
	assert_value(e, "eflags", eflags);
	assert_value(e, "tsas", "{'sectype': 'none'}");
}

static void
case_get_log_pages_known(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) pages = NULL;
	g_autoptr(GVariant) e0 = NULL;
	g_autoptr(GVariant) e1 = NULL;
	g_autoptr(GVariant) again = NULL;

	start(f, &p, NULL);
	pages = dc_log_pages(&p);
	assert_string_equal(g_variant_get_type_string(pages), "aa{ss}");
	assert_int_equal(g_variant_n_children(pages), 2);
	e0 = g_variant_get_child_value(pages, 0);
	e1 = g_variant_get_child_value(pages, 1);
	check_dlpe(e0, "127.0.0.11", "4420", IO1_NQN, "1", "0");
	check_dlpe(e1, "127.0.0.12", "4421", IO2_NQN, "7", "4");

	/* REFERENCE 3.3: the lookup defaults like a TID, an empty tcp trsvcid is 8009 */
	again = get_log_pages(&p, "tcp", DC_ADDR, "", DF_DISC_NQN, "", "", DF_HOSTNQN);
	assert_true(g_variant_equal(again, pages));
}

static void
case_get_log_pages_unknown(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) other_addr = NULL;
	g_autoptr(GVariant) other_port = NULL;
	g_autoptr(GVariant) other_host = NULL;
	g_autoptr(GVariant) other_iface = NULL;

	start(f, &p, NULL);
	other_addr =
		get_log_pages(&p, "tcp", "127.0.0.99", "8009", DF_DISC_NQN, "", "", DF_HOSTNQN);
	other_port = get_log_pages(&p, "tcp", DC_ADDR, "4420", DF_DISC_NQN, "", "", DF_HOSTNQN);
	other_host = get_log_pages(&p, "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "",
				   "nqn.2014-08.com.example:another-host");
	other_iface =
		get_log_pages(&p, "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "eth9", DF_HOSTNQN);
	assert_string_equal(g_variant_get_type_string(other_addr), "aa{ss}");
	assert_int_equal(g_variant_n_children(other_addr), 0);
	assert_int_equal(g_variant_n_children(other_port), 0);
	assert_int_equal(g_variant_n_children(other_host), 0);
	assert_int_equal(g_variant_n_children(other_iface), 0);
}

/* ---- get_all_log_pages ------------------------------------------------------- */

/* the text is the one json-glib's generator makes of the same tree, byte for byte */
static void
assert_json_glib_text(const char *json)
{
	g_autoptr(JsonNode) root = df_parse_json(json);
	g_autofree char *again = json_to_string(root, FALSE);

	assert_string_equal(json, again);
}

static void
check_all_log_pages(DaemonFixture *f, const char *json, gboolean detailed)
{
	g_autoptr(JsonNode) root = df_parse_json(json);
	g_autofree char *dev = df_kernel_device_of(f, DC_ADDR);
	JsonArray *list;
	JsonObject *item, *dc;
	JsonArray *pages;

	assert_json_glib_text(json);
	if (!JSON_NODE_HOLDS_ARRAY(root))
		fail_msg("get_all_log_pages is not a JSON list: %.200s", json);
	list = json_node_get_array(root);
	assert_int_equal(json_array_get_length(list), 1);
	item = json_array_get_object_element(list, 0);
	assert_non_null(item);
	assert_int_equal(json_object_get_size(item), 2);
	dc = json_object_get_object_member(item, "discovery-controller");
	pages = json_object_get_array_member(item, "log-pages");
	assert_non_null(dc);
	assert_non_null(pages);
	if (detailed)
		assert_json_dict(dc, id_keys, info_keys, details_keys, FALSE);
	else
		assert_json_dict(dc, id_keys, NULL, NULL, TRUE);
	assert_json_string(dc, "traddr", DC_ADDR);
	assert_json_string(dc, "trsvcid", "8009");
	assert_json_string(dc, "subsysnqn", DF_DISC_NQN);
	assert_json_string(dc, "host-nqn", DF_HOSTNQN);
	assert_json_string(dc, "device", dev);
	if (detailed) {
		assert_json_string(dc, "connected", "True");
		assert_json_string(dc, "origin", "configured");
	}
	assert_int_equal(json_array_get_length(pages), 2);
	for (guint i = 0; i < 2; i++) {
		JsonObject *e = json_array_get_object_element(pages, i);

		assert_non_null(e);
		assert_json_dict(e, dlpe_keys, NULL, NULL, TRUE);
		assert_json_string(e, "subnqn", i == 0 ? IO1_NQN : IO2_NQN);
		assert_json_string(e, "tsas", "{'sectype': 'none'}");
	}
}

static void
case_get_all_log_pages(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;

	start(f, &p, NULL);
	json = get_all_log_pages(&p, FALSE);
	check_all_log_pages(f, json, FALSE);
}

static void
case_get_all_log_pages_detailed(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;

	start(f, &p, NULL);
	json = get_all_log_pages(&p, TRUE);
	check_all_log_pages(f, json, TRUE);
}

/* ---- debug: process_info, controller_info ------------------------------------ */

static void
case_process_info(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *lkc = NULL;
	JsonObject *o, *avahi;
	static const char *const keys[] = {"tron",
					   "log-level",
					   "hostnqn",
					   "hostid",
					   "hostkey",
					   "symname",
					   "last known config file",
					   "config soak timer",
					   "kernel support.TP8013",
					   "kernel support.host_iface",
					   "terminator.audit timer",
					   "avahi",
					   NULL};

	start(f, &p, NULL);
	json = process_info(&p);
	root = df_parse_json(json);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		fail_msg("process_info is not a JSON object: %.200s", json);
	o = json_node_get_object(root);
	for (guint i = 0; keys[i]; i++) {
		if (!json_object_has_member(o, keys[i]))
			fail_msg("process_info: key \"%s\" missing in %s", keys[i], json);
	}
	assert_false(json_object_get_boolean_member(o, "tron"));
	assert_json_string(o, "log-level", "INFO");
	assert_json_string(o, "hostnqn", DF_HOSTNQN);
	assert_json_string(o, "hostid", DF_HOSTID);
	assert_true(json_node_is_null(json_object_get_member(o, "hostkey")));
	assert_true(json_node_is_null(json_object_get_member(o, "symname")));
	lkc = g_build_filename(f->run_dir, "last-known-config.json", NULL);
	assert_json_string(o, "last known config file", lkc);
	assert_true(is_timer_string(json_object_get_string_member(o, "config soak timer")));
	assert_true(is_timer_string(json_object_get_string_member(o, "terminator.audit timer")));
	assert_json_string(o, "kernel support.TP8013", "True");
	assert_json_string(o, "kernel support.host_iface", "True");
	avahi = json_object_get_object_member(o, "avahi");
	assert_non_null(avahi);
	assert_true(json_object_has_member(avahi, "avahi wake up timer"));
	assert_non_null(json_object_get_array_member(avahi, "service types"));
	assert_non_null(json_object_get_object_member(avahi, "services"));
}

static void
case_controller_info_known(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *dev = NULL;
	JsonObject *o;

	start(f, &p, NULL);
	dev = df_kernel_device_of(f, DC_ADDR);
	json = controller_info(&p, DC_ADDR);
	assert_json_glib_text(json);
	root = df_parse_json(json);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		fail_msg("controller_info is not a JSON object: %.200s", json);
	o = json_node_get_object(root);
	assert_json_dict(o, id_keys, info_keys, NULL, FALSE);
	assert_json_string(o, "transport", "tcp");
	assert_json_string(o, "traddr", DC_ADDR);
	assert_json_string(o, "trsvcid", "8009");
	assert_json_string(o, "subsysnqn", DF_DISC_NQN);
	assert_json_string(o, "host-nqn", DF_HOSTNQN);
	assert_json_string(o, "device", dev);
	assert_json_string(o, "origin", "configured");
	assert_json_string(o, "connect attempts", "0");
	assert_true(is_timer_string(json_object_get_string_member(o, "retry connect timer")));
}

static void
case_controller_info_unknown(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;

	start(f, &p, NULL);
	json = controller_info(&p, "127.0.0.99");
	assert_string_equal(json, "{}");
}

/* ---- tron and log_level ------------------------------------------------------ */

static gboolean
process_info_tron(Proxies *p)
{
	g_autofree char *json = process_info(p);
	g_autoptr(JsonNode) root = df_parse_json(json);

	return json_object_get_boolean_member(json_node_get_object(root), "tron");
}

static void
case_tron_root(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *level0 = NULL;
	g_autofree char *level1 = NULL;
	g_autofree char *level2 = NULL;

	start(f, &p, NULL);
	assert_false(get_tron(f));
	level0 = get_log_level(f);
	assert_string_equal(level0, "INFO");

	set_tron(f, TRUE);
	assert_true(get_tron(f));
	level1 = get_log_level(f);
	assert_string_equal(level1, "DEBUG");
	assert_true(process_info_tron(&p));

	set_tron(f, FALSE);
	assert_false(get_tron(f));
	level2 = get_log_level(f);
	assert_string_equal(level2, "INFO");

	/* REFERENCE 3.2: not persisted, a reload takes the config file's value again */
	set_tron(f, TRUE);
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !get_tron(f), DF_TIMEOUT_SEC);
}

/* ---- the unprivileged client -------------------------------------------------- */

/*
 * runs as nobody in a copy of this program (--unprivileged-client ADDRESS
 * WHAT): "read" calls every method and reads every property, "set-tron"
 * tries to set tron.  prints one line per step; exit 0 when all went as an
 * unprivileged caller should see it.
 */
static int
unprivileged_read(Proxies *p, GDBusConnection *bus)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL,
			  e7 = NULL, e8 = NULL, e9 = NULL;
	g_autoptr(GVariant) l1 = NULL, l2 = NULL, pages = NULL, tron = NULL, level = NULL;
	g_autofree char *a1 = NULL, *a2 = NULL, *pi = NULL, *ci = NULL;
	int bad = 0;

#define STEP(ok, what, err)                                                                        \
	do {                                                                                       \
		printf("%s %s%s%s\n", (ok) ? "ok" : "FAILED", what, (ok) ? "" : ": ",              \
		       (ok) ? "" : ((err) ? (err)->message : "?"));                                \
		bad |= !(ok);                                                                      \
	} while (0)

	STEP(stas_dbus_staf_call_list_controllers_sync(p->staf, FALSE, &l1, NULL, &e1),
	     "list_controllers(false)", e1);
	STEP(stas_dbus_staf_call_list_controllers_sync(p->staf, TRUE, &l2, NULL, &e2),
	     "list_controllers(true)", e2);
	STEP(stas_dbus_staf_call_get_log_pages_sync(p->staf, "tcp", DC_ADDR, "8009", DF_DISC_NQN,
						    "", "", DF_HOSTNQN, &pages, NULL, &e3) &&
		     g_variant_n_children(pages) == 2,
	     "get_log_pages", e3);
	STEP(stas_dbus_staf_call_get_all_log_pages_sync(p->staf, FALSE, &a1, NULL, &e4),
	     "get_all_log_pages(false)", e4);
	STEP(stas_dbus_staf_call_get_all_log_pages_sync(p->staf, TRUE, &a2, NULL, &e5),
	     "get_all_log_pages(true)", e5);
	STEP(stas_dbus_staf_debug_call_process_info_sync(p->debug, &pi, NULL, &e6), "process_info",
	     e6);
	STEP(stas_dbus_staf_debug_call_controller_info_sync(p->debug, "tcp", DC_ADDR, "8009",
							    DF_DISC_NQN, "", "", DF_HOSTNQN, &ci,
							    NULL, &e7) &&
		     g_strcmp0(ci, "{}") != 0,
	     "controller_info", e7);
	tron = get_property(bus, "tron", &e8);
	STEP(tron != NULL, "Get tron", e8);
	level = get_property(bus, "log_level", &e9);
	STEP(level != NULL, "Get log_level", e9);
#undef STEP
	return bad ? 1 : 0;
}

static int
unprivileged_set_tron(GDBusConnection *bus)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *remote = NULL;

	if (set_property(bus, "tron", g_variant_new_boolean(TRUE), &error)) {
		printf("FAILED: an unprivileged caller set tron\n");
		return 1;
	}
	remote = g_dbus_error_get_remote_error(error);
	printf("refused: %s: %s\n", remote ? remote : "(local)", error->message);
	return g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0 ? 0 : 1;
}

/* REFERENCE 3.7: only root may own the name (and names below it) */
static int
unprivileged_own(GDBusConnection *bus)
{
	static const char *const names[] = {NAME, NAME ".evil"};
	int bad = 0;

	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) reply = NULL;
		g_autofree char *remote = NULL;

		/* DO_NOT_QUEUE (4): an allowed request would answer, not wait */
		reply = g_dbus_connection_call_sync(
			bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus", "RequestName", g_variant_new("(su)", names[i], 4),
			G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);
		remote = error ? g_dbus_error_get_remote_error(error) : NULL;
		if (g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") == 0) {
			printf("refused: own %s\n", names[i]);
			continue;
		}
		printf("FAILED: an unprivileged caller may own %s (%s)\n", names[i],
		       error ? error->message : "allowed");
		bad = 1;
	}
	return bad;
}

static int
unprivileged_client(const char *address, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_auto(Proxies) p = {0};

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("uid %u euid %u\n", (unsigned)getuid(), (unsigned)geteuid());
	if (geteuid() == 0) {
		printf("FAILED: still root\n");
		return 2;
	}
	bus = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (bus == NULL) {
		printf("FAILED: cannot connect to %s: %s\n", address, error->message);
		return 2;
	}
	proxies_init(&p, bus, &error);
	if (error) {
		printf("FAILED: proxies: %s\n", error->message);
		return 2;
	}
	if (g_str_equal(what, "read"))
		return unprivileged_read(&p, bus);
	if (g_str_equal(what, "set-tron"))
		return unprivileged_set_tron(bus);
	if (g_str_equal(what, "own"))
		return unprivileged_own(bus);
	printf("FAILED: unknown client request %s\n", what);
	return 2;
}

typedef struct {
	uid_t uid;
	gid_t gid;
} Ids;

static void
drop_privileges(gpointer data)
{
	const Ids *ids = data;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setgroups(0, NULL) != 0 || setresgid(ids->gid, ids->gid, ids->gid) != 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) != 0)
		_exit(3);
}

/* run a copy of this program as nobody: its exit status, its output in *out */
static int
run_as_nobody(DaemonFixture *f, const char *what, char **out)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *copy = df_path(f, "unprivileged-client");
	g_autoptr(GFile) src = NULL;
	g_autoptr(GFile) dst = NULL;
	struct passwd *pw = getpwnam("nobody");
	g_auto(GStrv) env = g_get_environ();
	Ids ids;
	int status = -1;

	if (pw == NULL)
		fail_msg("there is no user nobody");
	ids.uid = pw->pw_uid;
	ids.gid = pw->pw_gid;
	/* the build tree may not be reachable by nobody; the case directory is */
	src = g_file_new_for_path(self);
	dst = g_file_new_for_path(copy);
	if (!g_file_query_exists(dst, NULL) &&
	    !g_file_copy(src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, &error))
		fail_msg("cannot copy %s: %s", self, error->message);
	chmod(copy, 0755);
	/* GDBus keeps its worker alive to the end: not leaks worth a sanitizer's report */
	env = g_environ_setenv(env, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
	if (!g_spawn_sync(f->dir,
			  (char *[]){copy, (char *)"--unprivileged-client", f->bus_address,
				     (char *)what, NULL},
			  env, G_SPAWN_DEFAULT, drop_privileges, &ids, out, NULL, &status, &error))
		fail_msg("cannot run the unprivileged client: %s", error->message);
	return status;
}

static void
case_unprivileged_reads(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *out = NULL;
	int status;

	start(f, &p, NULL);
	status = run_as_nobody(f, "read", &out);
	print_message("%s", out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("an unprivileged caller could not use every method and property:\n%s",
			 out);
}

static void
case_unprivileged_cannot_set_tron(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *out = NULL;
	int status;

	start(f, &p, NULL);
	assert_false(get_tron(f));
	status = run_as_nobody(f, "set-tron", &out);
	print_message("%s", out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("an unprivileged Set tron was not refused as it should:\n%s", out);
	/* the policy refuses it before stafd sees it */
	assert_true(df_contains(out, "refused: org.freedesktop.DBus.Error.AccessDenied"));
	assert_true(df_contains(out, "Rejected send message"));
	assert_false(get_tron(f));
	df_check_alive(f);
}

static void
case_unprivileged_cannot_own_name(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *out = NULL;
	int status;

	start(f, &p, NULL);
	status = run_as_nobody(f, "own", &out);
	print_message("%s", out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the policy lets an unprivileged caller own stafd's name:\n%s", out);
	assert_true(df_name_has_owner(f, NAME));
}

/* the same on a bus without the project's policy: stafd refuses it itself (B3) */
static void
case_daemon_refuses_unprivileged_tron(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *out = NULL;
	int status;

	start(f, &p, NULL);
	status = run_as_nobody(f, "set-tron", &out);
	print_message("%s", out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("stafd let an unprivileged caller set tron:\n%s", out);
	/* refused by stafd, not by a bus policy */
	assert_true(df_contains(out, "refused: org.freedesktop.DBus.Error.AccessDenied"));
	assert_false(df_contains(out, "Rejected send message"));
	assert_false(get_tron(f));
	assert_false(df_log_contains(f, "Trace ON"));
}

/* ---- signals --------------------------------------------------------------------- */

typedef struct {
	GPtrArray *changed; /* GStrv of the 8 arguments */
	guint removed;
} Signals;

static void
on_log_pages_changed(StasDbusStaf *proxy, const char *transport, const char *traddr,
		     const char *trsvcid, const char *subsysnqn, const char *host_traddr,
		     const char *host_iface, const char *host_nqn, const char *device,
		     gpointer data)
{
	Signals *s = data;
	const char *args[] = {transport,  traddr,   trsvcid, subsysnqn, host_traddr,
			      host_iface, host_nqn, device,  NULL};

	g_ptr_array_add(s->changed, g_strdupv((char **)args));
}

static void
on_dc_removed(StasDbusStaf *proxy, gpointer data)
{
	Signals *s = data;

	s->removed++;
}

static void
case_signal_log_pages_changed(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	Signals s = {changed, 0};
	g_autofree char *dev = NULL;
	char **args;

	start(f, &p, NULL);
	dev = df_kernel_device_of(f, DC_ADDR);
	g_signal_connect(p.staf, "log-pages-changed", G_CALLBACK(on_log_pages_changed), &s);
	/* the DC's log changes: the fake kernel raises the AEN, stafd re-reads */
	df_kernel_do(f, "set-entries",
		     "{\"name\":\"dc\",\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.11\",\"subnqn\":\"" IO1_NQN "\"},"
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.12\",\"subnqn\":\"" IO2_NQN "\"},"
		     "{\"subtype\":\"nvme\",\"traddr\":\"127.0.0.13\",\"subnqn\":\"" IO3_NQN
		     "\"}]}");
	DF_ASSERT_EVENTUALLY(f, s.changed->len > 0, DF_TIMEOUT_SEC);
	args = g_ptr_array_index(s.changed, 0);
	assert_int_equal(g_strv_length(args), 8);
	assert_string_equal(args[0], "tcp");
	assert_string_equal(args[1], DC_ADDR);
	assert_string_equal(args[2], "8009");
	assert_string_equal(args[3], DF_DISC_NQN);
	assert_string_equal(args[4], "");
	assert_string_equal(args[5], "");
	assert_string_equal(args[6], DF_HOSTNQN);
	assert_string_equal(args[7], dev);
	/* and the new entries are served */
	assert_true(n_log_pages_is(&p, 3));
}

static void
case_signal_dc_removed(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	Signals s = {NULL, 0};
	g_autoptr(GVariant) list = NULL;

	start(f, &p, NULL);
	g_signal_connect(p.staf, "dc-removed", G_CALLBACK(on_dc_removed), &s);
	df_write(f, "stafd.conf", "[Controllers]\n");
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, s.removed > 0, DF_TIMEOUT_SEC);
	/* once per reconciliation that removed something */
	df_iterate(f, 500);
	assert_int_equal(s.removed, 1);
	list = list_controllers(&p, FALSE);
	assert_int_equal(g_variant_n_children(list), 0);
}

/* ---- no secret in any reply (B3) -------------------------------------------------- */

static gboolean
variant_contains(GVariant *v, const char *needle)
{
	GVariantIter iter;
	GVariant *child;

	if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
	    g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH) ||
	    g_variant_is_of_type(v, G_VARIANT_TYPE_SIGNATURE))
		return strstr(g_variant_get_string(v, NULL), needle) != NULL;
	if (!g_variant_is_container(v))
		return FALSE;
	g_variant_iter_init(&iter, v);
	while ((child = g_variant_iter_next_value(&iter)) != NULL) {
		gboolean found = variant_contains(child, needle);

		g_variant_unref(child);
		if (found)
			return TRUE;
	}
	return FALSE;
}

/* the secret strings, and their base64 bodies alone */
static const char *const secrets[] = {
	HOST_KEY,
	DC_SECRET,
	DC_CSECRET,
	"SG9zdEtleU9mVGhlVGVzdEhvc3RPbmx5MTIzNDU2Nzg5MEFC",
	"Q3RybFNlY3JldE9mVGhlRGlzY292ZXJ5Q3RybDEyMzQ1Njc",
	"Q29udHJvbGxlclNpZGVTZWNyZXRGb3JCaWRpcmVjdGlvbmFs",
	NULL,
};

static void
assert_no_secret(GVariant *reply, const char *what)
{
	for (guint i = 0; secrets[i]; i++) {
		if (variant_contains(reply, secrets[i]))
			fail_msg("the reply of %s contains the secret %s", what, secrets[i]);
	}
}

static GVariant *
raw_call(DaemonFixture *f, const char *iface, const char *method, GVariant *args)
{
	g_autoptr(GError) error = NULL;
	GVariant *reply =
		g_dbus_connection_call_sync(f->bus, NAME, PATH, iface, method, args, NULL,
					    G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);

	if (reply == NULL)
		fail_msg("%s.%s: %s", iface, method, error->message);
	return reply;
}

#define SEVEN_DC "(sssssss)", "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "", DF_HOSTNQN

static void
case_no_secret_in_replies(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) dict = NULL;
	g_autofree char *info = NULL;
	g_autofree char *log = NULL;
	g_autofree char *state = NULL;
	g_autofree char *state_path = NULL;
	g_autoptr(JsonNode) root = NULL;
	struct {
		const char *iface, *method;
		GVariant *args;
	} calls[] = {
		{IFACE, "list_controllers", g_variant_new("(b)", FALSE)},
		{IFACE, "list_controllers", g_variant_new("(b)", TRUE)},
		{IFACE, "get_log_pages", g_variant_new(SEVEN_DC)},
		{IFACE, "get_all_log_pages", g_variant_new("(b)", FALSE)},
		{IFACE, "get_all_log_pages", g_variant_new("(b)", TRUE)},
		{IFACE_DBG, "process_info", NULL},
		{IFACE_DBG, "controller_info", g_variant_new(SEVEN_DC)},
		{"org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", IFACE_DBG)},
		{"org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", IFACE)},
		{"org.freedesktop.DBus.Introspectable", "Introspect", NULL},
	};

	df_write(f, "sys.conf", "[Host]\nnqn=" DF_HOSTNQN "\nid=" DF_HOSTID "\nkey=" HOST_KEY "\n");
	start(f, &p,
	      "[Global]\ntron=true\n[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR
	      ";dhchap-secret=" DC_SECRET ";dhchap-ctrl-secret=" DC_CSECRET "\n");

	for (gsize i = 0; i < G_N_ELEMENTS(calls); i++) {
		g_autoptr(GVariant) reply =
			raw_call(f, calls[i].iface, calls[i].method, calls[i].args);
		g_autofree char *what = g_strdup_printf("%s.%s", calls[i].iface, calls[i].method);

		assert_no_secret(reply, what);
	}

	/* where a key exists it shows as <redacted> (B3) */
	list = list_controllers(&p, FALSE);
	assert_int_equal(g_variant_n_children(list), 1);
	dict = g_variant_get_child_value(list, 0);
	assert_value(dict, "dhchap-secret", REDACTED);
	assert_value(dict, "dhchap-ctrl-secret", REDACTED);
	info = process_info(&p);
	root = df_parse_json(info);
	assert_json_string(json_node_get_object(root), "hostkey", REDACTED);

	/* nor in the log (traces on), nor in the state file, which is 0600 */
	log = df_daemon_log(f);
	state_path = g_build_filename(f->run_dir, "last-known-config.json", NULL);
	state = df_read(state_path);
	assert_non_null(state);
	for (guint i = 0; secrets[i]; i++) {
		if (df_contains(log, secrets[i]))
			fail_msg("stafd's log contains the secret %s", secrets[i]);
		if (df_contains(state, secrets[i]))
			fail_msg("the state file contains the secret %s", secrets[i]);
	}
	{
		struct stat st;

		assert_int_equal(stat(state_path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

/* ---- introspection -------------------------------------------------------------- */

static void
compare_args(GDBusArgInfo **want, GDBusArgInfo **got, const char *what)
{
	guint n_want = 0, n_got = 0;

	while (want && want[n_want])
		n_want++;
	while (got && got[n_got])
		n_got++;
	if (n_want != n_got)
		fail_msg("%s: %u arguments in the XML, %u on the bus", what, n_want, n_got);
	for (guint i = 0; i < n_want; i++) {
		if (g_strcmp0(want[i]->signature, got[i]->signature) != 0 ||
		    g_strcmp0(want[i]->name, got[i]->name) != 0)
			fail_msg("%s: argument %u is %s %s in the XML, %s %s on the bus", what, i,
				 want[i]->signature, want[i]->name, got[i]->signature,
				 got[i]->name);
	}
}

static guint
count(gpointer *array)
{
	guint n = 0;

	while (array && array[n])
		n++;
	return n;
}

static void
compare_interface(GDBusInterfaceInfo *want, GDBusInterfaceInfo *got)
{
	assert_int_equal(count((gpointer *)want->methods), count((gpointer *)got->methods));
	assert_int_equal(count((gpointer *)want->signals), count((gpointer *)got->signals));
	assert_int_equal(count((gpointer *)want->properties), count((gpointer *)got->properties));
	for (guint i = 0; want->methods && want->methods[i]; i++) {
		GDBusMethodInfo *m =
			g_dbus_interface_info_lookup_method(got, want->methods[i]->name);
		g_autofree char *in =
			g_strdup_printf("%s.%s in", want->name, want->methods[i]->name);
		g_autofree char *out =
			g_strdup_printf("%s.%s out", want->name, want->methods[i]->name);

		if (m == NULL)
			fail_msg("method %s.%s is not on the bus", want->name,
				 want->methods[i]->name);
		compare_args(want->methods[i]->in_args, m->in_args, in);
		compare_args(want->methods[i]->out_args, m->out_args, out);
	}
	for (guint i = 0; want->signals && want->signals[i]; i++) {
		GDBusSignalInfo *s =
			g_dbus_interface_info_lookup_signal(got, want->signals[i]->name);
		g_autofree char *what =
			g_strdup_printf("signal %s.%s", want->name, want->signals[i]->name);

		if (s == NULL)
			fail_msg("%s is not on the bus", what);
		compare_args(want->signals[i]->args, s->args, what);
	}
	for (guint i = 0; want->properties && want->properties[i]; i++) {
		GDBusPropertyInfo *pw = want->properties[i];
		GDBusPropertyInfo *pg = g_dbus_interface_info_lookup_property(got, pw->name);

		if (pg == NULL)
			fail_msg("property %s.%s is not on the bus", want->name, pw->name);
		assert_string_equal(pw->signature, pg->signature);
		assert_int_equal(pw->flags, pg->flags);
	}
}

static void
case_introspection_matches_xml(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GError) error = NULL;
	g_autofree char *xml_path = NULL;
	g_autofree char *xml = NULL;
	g_autoptr(GDBusNodeInfo) want = NULL;
	g_autoptr(GDBusNodeInfo) got = NULL;
	g_autoptr(GVariant) reply = NULL;
	const char *bus_xml;
	static const char *const standard[] = {"org.freedesktop.DBus.Introspectable",
					       "org.freedesktop.DBus.Properties",
					       "org.freedesktop.DBus.Peer", NULL};

	start(f, &p, NULL);
	xml_path = g_build_filename(g_getenv(DF_ENV_DBUS_XML_DIR), "org.nvmexpress.staf.xml", NULL);
	xml = df_read(xml_path);
	if (xml == NULL)
		fail_msg("cannot read %s", xml_path);
	want = g_dbus_node_info_new_for_xml(xml, &error);
	if (want == NULL)
		fail_msg("%s: %s", xml_path, error->message);
	reply = raw_call(f, "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
	g_variant_get(reply, "(&s)", &bus_xml);
	got = g_dbus_node_info_new_for_xml(bus_xml, &error);
	if (got == NULL)
		fail_msg("the introspection data is not valid: %s", error->message);
	assert_int_equal(count((gpointer *)want->interfaces), 2);
	for (guint i = 0; want->interfaces[i]; i++) {
		GDBusInterfaceInfo *gi =
			g_dbus_node_info_lookup_interface(got, want->interfaces[i]->name);

		if (gi == NULL)
			fail_msg("interface %s is not on the bus", want->interfaces[i]->name);
		compare_interface(want->interfaces[i], gi);
	}
	for (guint i = 0; standard[i]; i++) {
		if (g_dbus_node_info_lookup_interface(got, standard[i]) == NULL)
			fail_msg("interface %s is not on the bus", standard[i]);
	}
	/* nothing more than the contract and the standard interfaces */
	assert_int_equal(count((gpointer *)got->interfaces), 2 + 3);
}

/* ---- error paths ------------------------------------------------------------------ */

static void
expect_error(DaemonFixture *f, const char *iface, const char *method, GVariant *args,
	     const char *error_name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree char *remote = NULL;

	reply = g_dbus_connection_call_sync(f->bus, NAME, PATH, iface, method, args, NULL,
					    G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, &error);
	if (reply != NULL)
		fail_msg("%s.%s succeeded, expected %s", iface, method, error_name);
	remote = g_dbus_error_get_remote_error(error);
	if (error_name && g_strcmp0(remote, error_name) != 0)
		fail_msg("%s.%s: expected %s, got %s (%s)", iface, method, error_name,
			 remote ? remote : "a local error", error->message);
}

#define PROPS	     "org.freedesktop.DBus.Properties"
#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static void
case_error_paths(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *huge = g_strnfill(65536, 'a');
	g_autoptr(GVariant) hostile = NULL;
	g_autoptr(GVariant) huge_pages = NULL;
	g_autofree char *hostile_info = NULL;
	g_autoptr(GError) error = NULL;

	start(f, &p, NULL);
	expect_error(f, IFACE, "no_such_method", NULL, "org.freedesktop.DBus.Error.UnknownMethod");
	expect_error(f, "org.nvmexpress.staf.nope", "list_controllers", g_variant_new("(b)", TRUE),
		     NULL);
	expect_error(f, IFACE, "list_controllers", g_variant_new("(s)", "yes"), INVALID_ARGS);
	expect_error(f, IFACE, "list_controllers", NULL, INVALID_ARGS);
	expect_error(f, IFACE, "get_log_pages",
		     g_variant_new("(ssssss)", "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", ""),
		     INVALID_ARGS);
	expect_error(f, IFACE_DBG, "controller_info", g_variant_new("(b)", TRUE), INVALID_ARGS);
	expect_error(f, PROPS, "Get", g_variant_new("(ss)", IFACE_DBG, "nope"), INVALID_ARGS);
	expect_error(f, PROPS, "Set",
		     g_variant_new("(ssv)", IFACE_DBG, "log_level", g_variant_new_string("DEBUG")),
		     NULL);
	expect_error(f, PROPS, "Set",
		     g_variant_new("(ssv)", IFACE_DBG, "tron", g_variant_new_string("true")),
		     INVALID_ARGS);
	expect_error(f, PROPS, "Set",
		     g_variant_new("(ssv)", IFACE_DBG, "nope", g_variant_new_boolean(TRUE)),
		     INVALID_ARGS);

	/* hostile identities find nothing and break nothing */
	hostile = get_log_pages(&p, "tcp", "1.2.3.4,hostnqn=x", "8009\n", "nqn\x01", "\x7f",
				"../../etc", "nqn.x,transport=rdma");
	assert_int_equal(g_variant_n_children(hostile), 0);
	huge_pages = get_log_pages(&p, huge, huge, huge, huge, huge, huge, huge);
	assert_int_equal(g_variant_n_children(huge_pages), 0);
	if (!stas_dbus_staf_debug_call_controller_info_sync(
		    p.debug, huge, "1.2.3.4,x=y", "", "", "", "", "", &hostile_info, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	assert_string_equal(hostile_info, "{}");

	/* and stafd still serves */
	df_check_alive(f);
	assert_true(n_log_pages_is(&p, 2));
	assert_false(get_tron(f));
	{
		g_autofree char *level = get_log_level(f);

		assert_string_equal(level, "INFO");
	}
}

/* ---- main ---------------------------------------------------------------------------- */

static const DfCase cases[] = {
	{"list-controllers", case_list_controllers, FALSE},
	{"list-controllers-detailed", case_list_controllers_detailed, FALSE},
	{"get-log-pages-known", case_get_log_pages_known, FALSE},
	{"get-log-pages-unknown", case_get_log_pages_unknown, FALSE},
	{"get-all-log-pages", case_get_all_log_pages, FALSE},
	{"get-all-log-pages-detailed", case_get_all_log_pages_detailed, FALSE},
	{"process-info", case_process_info, FALSE},
	{"controller-info-known", case_controller_info_known, FALSE},
	{"controller-info-unknown", case_controller_info_unknown, FALSE},
	{"tron-root", case_tron_root, FALSE},
	{"unprivileged-reads", case_unprivileged_reads, FALSE},
	{"unprivileged-cannot-set-tron", case_unprivileged_cannot_set_tron, FALSE},
	{"unprivileged-cannot-own-name", case_unprivileged_cannot_own_name, FALSE},
	{"daemon-refuses-unprivileged-tron", case_daemon_refuses_unprivileged_tron, TRUE},
	{"signal-log-pages-changed", case_signal_log_pages_changed, FALSE},
	{"signal-dc-removed", case_signal_dc_removed, FALSE},
	{"no-secret-in-replies", case_no_secret_in_replies, FALSE},
	{"introspection-matches-xml", case_introspection_matches_xml, FALSE},
	{"error-paths", case_error_paths, FALSE},
};

int
main(int argc, char **argv)
{
	if (argc == 4 && g_str_equal(argv[1], "--unprivileged-client"))
		return unprivileged_client(argv[2], argv[3]);
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
