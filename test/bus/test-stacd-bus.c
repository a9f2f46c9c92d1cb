/* SPDX-License-Identifier: Apache-2.0 */
/*
 * the bus tier for stacd (SPEC 7.2): stacd-test (with stafd-test as its
 * source of log pages) on a private dbus-daemon with the project's policy, a
 * fake kernel under them, seen through the generated proxies as stacctl
 * sees it: every method and property of org.nvmexpress.stac and .debug
 * (REFERENCE 3.4, 3.5), the error paths, the policy (an unprivileged caller
 * reads everything and sets nothing), no secret in any reply (SPEC B3), and
 * stacd as stafd's client: a stafd that is not running, signals from
 * anyone but stafd, a second stacd.
 *
 * one meson test per case: test-stacd-bus --case NAME.
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
#include "stas-stac-dbus.h"

#define NAME	  "org.nvmexpress.stac"
#define PATH	  "/org/nvmexpress/stac"
#define IFACE	  "org.nvmexpress.stac"
#define IFACE_DBG "org.nvmexpress.stac.debug"
#define PROPS	  "org.freedesktop.DBus.Properties"
#define CALL_MS	  10000
#define DC_ADDR	  "127.0.0.10"
#define IO1	  "127.0.0.11"
#define IO2	  "127.0.0.12"
#define IO3	  "127.0.0.13"
#define IO1_NQN	  "nqn.2014-08.com.example:io1"
#define IO2_NQN	  "nqn.2014-08.com.example:io2"
#define IO3_NQN	  "nqn.2014-08.com.example:io3"
#define REDACTED  "<redacted>"

/* secrets of the no-secret case: each must appear in no reply */
#define HOST_KEY    "DHHC-1:00:SG9zdEtleU9mVGhlVGVzdEhvc3RPbmx5MTIzNDU2Nzg5MEFC=:"
#define IOC_SECRET  "DHHC-1:01:SW9Db250cm9sbGVyU2VjcmV0T2ZUaGVUZXN0SG9zdDEyMzQ=:"
#define IOC_CSECRET "DHHC-1:02:SW9Db250cm9sbGVyU2lkZVNlY3JldEZvckJpZGlyZWN0aW9u=:"

#define STAFD_CONF "[Controllers]\ncontroller = transport=tcp;traddr=" DC_ADDR "\n"
/* IO3 is configured in stacd.conf, IO1 and IO2 come from the DC's log (IO2 with NCC) */
#define IO3_CONTROLLER "controller = transport=tcp;traddr=" IO3 ";trsvcid=4420;subsysnqn=" IO3_NQN
#define STACD_CONF     "[Controllers]\n" IO3_CONTROLLER "\n"

/* the dictionaries' key sets (REFERENCE 3.5) */
static const char *const id_keys[] = {"transport", "traddr",	  "trsvcid",
				      "subsysnqn", "host-traddr", "host-iface",
				      "host-nqn",  "device",	  NULL};
static const char *const info_keys[] = {"connect attempts", "retry connect timer", NULL};
static const char *const details_keys[] = {"hostid",	      "hostnqn",   "model",	"serial",
					   "dctype",	      "cntrltype", "connected", "dlpe",
					   "dlpe.eflags.ncc", NULL};
/* present only while a connect is under way */
static const char *const transient_keys[] = {"connect operation", NULL};

/* the entry of IO2 as stafd gives it, in Python's repr (REFERENCE 3.5, 3.6) */
#define IO2_DLPE_REPR                                                                              \
	"{'adrfam': 'ipv4', 'asqsz': '32', 'cntlid': '65535', 'eflags': '4', 'portid': '1', "      \
	"'subnqn': '" IO2_NQN "', 'subtype': 'nvme', 'traddr': '" IO2 "', "                        \
	"'treq': 'not specified', 'trsvcid': '4420', 'trtype': 'tcp', "                            \
	"'tsas': \"{'sectype': 'none'}\"}"

typedef struct {
	StasDbusStac *stac;
	StasDbusStacDebug *debug;
} Proxies;

static void
proxies_clear(Proxies *p)
{
	g_clear_object(&p->stac);
	g_clear_object(&p->debug);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Proxies, proxies_clear)

static void
proxies_init(Proxies *p, GDBusConnection *bus, GError **error)
{
	p->stac = stas_dbus_stac_proxy_new_sync(bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH, NULL,
						error);
	if (p->stac == NULL)
		return;
	p->debug = stas_dbus_stac_debug_proxy_new_sync(bus, G_DBUS_PROXY_FLAGS_NONE, NAME, PATH,
						       NULL, error);
	if (p->debug == NULL)
		return;
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(p->stac), CALL_MS);
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

	if (!stas_dbus_stac_call_list_controllers_sync(p->stac, detailed, &out, NULL, &error))
		fail_msg("list_controllers(%d): %s", detailed, error->message);
	return out;
}

static char *
process_info(Proxies *p)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_stac_debug_call_process_info_sync(p->debug, &out, NULL, &error))
		fail_msg("process_info: %s", error->message);
	return out;
}

static char *
controller_info(Proxies *p, const char *traddr, const char *nqn)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_stac_debug_call_controller_info_sync(p->debug, "tcp", traddr, "4420", nqn,
							    "", "", DF_HOSTNQN, &out, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	return out;
}

static char *
controllers_info(Proxies *p)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_stac_debug_call_controllers_info_sync(p->debug, &out, NULL, &error))
		fail_msg("controllers_info: %s", error->message);
	return out;
}

/* org.freedesktop.DBus.Properties.Get, not the proxy's cache */
static GVariant *
get_property(GDBusConnection *bus, const char *name, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	GVariant *value = NULL;

	reply = g_dbus_connection_call_sync(
		bus, NAME, PATH, PROPS, "Get", g_variant_new("(ss)", IFACE_DBG, name),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, error);
	if (reply)
		g_variant_get(reply, "(v)", &value);
	return value;
}

static gboolean
set_property(GDBusConnection *bus, const char *name, GVariant *value, GError **error)
{
	g_autoptr(GVariant) reply = NULL;

	reply = g_dbus_connection_call_sync(bus, NAME, PATH, PROPS, "Set",
					    g_variant_new("(ssv)", IFACE_DBG, name, value), NULL,
					    G_DBUS_CALL_FLAGS_NONE, CALL_MS, NULL, error);
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

static void
assert_log_level(DaemonFixture *f, const char *expected)
{
	g_autofree char *level = get_log_level(f);

	assert_string_equal(level, expected);
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

/* dict has every key of the lists, and no other but the transient ones */
static void
assert_keys(GVariant *dict, const char *const *a, const char *const *b, const char *const *c)
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
	g_variant_iter_init(&iter, dict);
	while (g_variant_iter_next(&iter, "{&s&s}", &key, NULL)) {
		if (!in_list(a, key) && !in_list(b, key) && !in_list(c, key) &&
		    !in_list(transient_keys, key))
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

/* the dictionary of the controller at traddr in a list_controllers reply, or NULL */
static GVariant *
find_ioc(GVariant *list, const char *traddr)
{
	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		GVariant *d = g_variant_get_child_value(list, i);

		if (g_strcmp0(lookup(d, "traddr"), traddr) == 0)
			return d;
		g_variant_unref(d);
	}
	return NULL;
}

static GVariant *
must_find_ioc(GVariant *list, const char *traddr)
{
	GVariant *d = find_ioc(list, traddr);

	if (d == NULL)
		fail_msg("no controller at %s in the list", traddr);
	return d;
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

/* ---- the common setup -------------------------------------------------------- */

/* the three subsystems, the DC listing IO1 and IO2 (NCC) */
static void
declare_targets(DaemonFixture *f)
{
	static const char *const io[][2] = {{IO1, IO1_NQN}, {IO2, IO2_NQN}, {IO3, IO3_NQN}};

	for (gsize i = 0; i < G_N_ELEMENTS(io); i++)
		df_kernel_do(f, "declare-subsystem",
			     "{\"name\":\"io%" G_GSIZE_FORMAT
			     "\",\"traddr\":\"%s\",\"nqn\":\"%s\"}",
			     i + 1, io[i][0], io[i][1]);
	df_kernel_do(f, "declare-dc",
		     "{\"name\":\"dc\",\"traddr\":\"" DC_ADDR "\",\"dctype\":\"cdc\",\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"" IO1 "\",\"subnqn\":\"" IO1_NQN "\"},"
		     "{\"subtype\":\"nvme\",\"traddr\":\"" IO2 "\",\"subnqn\":\"" IO2_NQN "\","
		     "\"eflags\":4}]}");
}

static gboolean
connected_is(Proxies *p, const char *traddr)
{
	g_autoptr(GVariant) list = list_controllers(p, TRUE);
	g_autoptr(GVariant) d = find_ioc(list, traddr);

	return d && g_strcmp0(lookup(d, "connected"), "True") == 0;
}

/* the usual start: stafd and its DC, stacd with conf, the three controllers connected */
static void
start(DaemonFixture *f, Proxies *p, const char *conf)
{
	declare_targets(f);
	df_write(f, "stafd.conf", STAFD_CONF);
	df_write(f, "stacd.conf", conf ? conf : STACD_CONF);
	df_start_stafd(f);
	df_start_stacd(f);
	proxies_must_init(p, f);
	DF_ASSERT_EVENTUALLY(f,
			     connected_is(p, IO1) && connected_is(p, IO2) && connected_is(p, IO3),
			     DF_TIMEOUT_SEC);
}

/* ---- list_controllers ------------------------------------------------------- */

static void
check_id_values(DaemonFixture *f, GVariant *dict, const char *traddr, const char *nqn)
{
	g_autofree char *dev = df_kernel_device_of(f, traddr);

	assert_non_null(dev);
	assert_value(dict, "transport", "tcp");
	assert_value(dict, "traddr", traddr);
	assert_value(dict, "trsvcid", "4420");
	assert_value(dict, "subsysnqn", nqn);
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
	static const char *const addrs[] = {IO1, IO2, IO3};
	static const char *const nqns[] = {IO1_NQN, IO2_NQN, IO3_NQN};

	start(f, &p, NULL);
	list = list_controllers(&p, FALSE);
	assert_string_equal(g_variant_get_type_string(list), "aa{ss}");
	assert_int_equal(g_variant_n_children(list), 3);
	for (gsize i = 0; i < G_N_ELEMENTS(addrs); i++) {
		g_autoptr(GVariant) d = g_variant_get_child_value(list, i);

		/* sorted by identity, the keys of the ID dict and no other (REFERENCE 3.5) */
		assert_keys(d, id_keys, NULL, NULL);
		assert_null(lookup(d, "connect operation"));
		check_id_values(f, d, addrs[i], nqns[i]);
	}
}

static void
check_details(DaemonFixture *f, GVariant *d, const char *traddr, const char *nqn)
{
	g_autoptr(JsonArray) ctrls = df_kernel_ctrls(f);
	g_autofree char *dev = df_kernel_device_of(f, traddr);
	const char *serial = NULL;

	assert_keys(d, id_keys, info_keys, details_keys);
	check_id_values(f, d, traddr, nqn);
	assert_value(d, "connect attempts", "0");
	if (!is_timer_string(lookup(d, "retry connect timer")))
		fail_msg("retry connect timer \"%s\" is not a timer string",
			 lookup(d, "retry connect timer"));
	assert_value(d, "connected", "True");
	assert_value(d, "hostnqn", DF_HOSTNQN);
	assert_value(d, "hostid", DF_HOSTID);
	assert_value(d, "model", "Linux");
	assert_value(d, "cntrltype", "io");
	for (guint i = 0; i < json_array_get_length(ctrls); i++) {
		JsonObject *c = json_array_get_object_element(ctrls, i);

		if (g_strcmp0(json_object_get_string_member(c, "device"), dev) == 0)
			serial = json_object_get_string_member(c, "serial");
	}
	/* the sysfs attributes of its kernel controller */
	assert_non_null(serial);
	assert_value(d, "serial", serial);
}

static void
case_list_controllers_detailed(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) d1 = NULL;
	g_autoptr(GVariant) d2 = NULL;
	g_autoptr(GVariant) d3 = NULL;

	start(f, &p, NULL);
	list = list_controllers(&p, TRUE);
	assert_int_equal(g_variant_n_children(list), 3);
	d1 = must_find_ioc(list, IO1);
	d2 = must_find_ioc(list, IO2);
	d3 = must_find_ioc(list, IO3);
	check_details(f, d1, IO1, IO1_NQN);
	check_details(f, d2, IO2, IO2_NQN);
	check_details(f, d3, IO3, IO3_NQN);
	/* the entry stafd listed it in, and its NCC bit (eflags 4) */
	assert_true(df_contains(lookup(d1, "dlpe"), "'eflags': '0'"));
	assert_value(d1, "dlpe.eflags.ncc", "False");
	assert_value(d2, "dlpe", IO2_DLPE_REPR);
	assert_value(d2, "dlpe.eflags.ncc", "True");
	/* a configured controller has no entry */
	assert_value(d3, "dlpe", "None");
	assert_value(d3, "dlpe.eflags.ncc", "False");
}

/* ---- debug: controller_info, process_info ------------------------------------- */

static void
case_controller_info_known(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;
	g_autofree char *dev = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GList) members = NULL;
	JsonObject *o;

	start(f, &p, NULL);
	dev = df_kernel_device_of(f, IO2);
	json = controller_info(&p, IO2, IO2_NQN);
	root = df_parse_json(json);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		fail_msg("controller_info is not a JSON object: %.200s", json);
	o = json_node_get_object(root);
	/* info(): the ID dict, the attempts and the timer; nothing of details() */
	members = json_object_get_members(o);
	for (GList *m = members; m; m = m->next) {
		assert_json_string(o, m->data, NULL);
		if (!in_list(id_keys, m->data) && !in_list(info_keys, m->data) &&
		    !in_list(transient_keys, m->data))
			fail_msg("unexpected JSON member \"%s\"", (char *)m->data);
	}
	for (guint i = 0; id_keys[i]; i++)
		assert_json_string(o, id_keys[i], NULL);
	assert_json_string(o, "transport", "tcp");
	assert_json_string(o, "traddr", IO2);
	assert_json_string(o, "trsvcid", "4420");
	assert_json_string(o, "subsysnqn", IO2_NQN);
	assert_json_string(o, "host-nqn", DF_HOSTNQN);
	assert_json_string(o, "device", dev);
	assert_json_string(o, "connect attempts", "0");
	assert_true(is_timer_string(json_object_get_string_member(o, "retry connect timer")));
}

static void
case_controller_info_unknown(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *other_addr = NULL;
	g_autofree char *other_nqn = NULL;
	g_autofree char *dc = NULL;
	g_autoptr(GError) error = NULL;

	start(f, &p, NULL);
	other_addr = controller_info(&p, "127.0.0.99", IO1_NQN);
	other_nqn = controller_info(&p, IO1, IO2_NQN);
	assert_string_equal(other_addr, "{}");
	assert_string_equal(other_nqn, "{}");
	/* stafd's DC is not one of stacd's controllers */
	if (!stas_dbus_stac_debug_call_controller_info_sync(p.debug, "tcp", DC_ADDR, "8009",
							    DF_DISC_NQN, "", "", DF_HOSTNQN, &dc,
							    NULL, &error))
		fail_msg("controller_info: %s", error->message);
	assert_string_equal(dc, "{}");
}

/* controller_info of the controller of dict d, named by its seven identity values */
static char *
controller_info_of(Proxies *p, GVariant *d)
{
	g_autoptr(GError) error = NULL;
	char *out = NULL;

	if (!stas_dbus_stac_debug_call_controller_info_sync(
		    p->debug, lookup(d, "transport"), lookup(d, "traddr"), lookup(d, "trsvcid"),
		    lookup(d, "subsysnqn"), lookup(d, "host-traddr"), lookup(d, "host-iface"),
		    lookup(d, "host-nqn"), &out, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	return out;
}

/*
 * controllers_info (not upstream's): one element per controller, in
 * list_controllers' order, each byte for byte controller_info's reply for it
 */
static void
case_controllers_info(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GString) want = g_string_new("[");
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *array;
	static const char *const addrs[] = {IO1, IO2, IO3};

	start(f, &p, NULL);
	list = list_controllers(&p, TRUE);
	json = controllers_info(&p);
	assert_int_equal(g_variant_n_children(list), 3);
	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		g_autoptr(GVariant) d = g_variant_get_child_value(list, i);
		g_autofree char *ci = controller_info_of(&p, d);

		assert_string_not_equal(ci, "{}");
		g_string_append_printf(want, "%s%s", i ? "," : "", ci);
	}
	g_string_append_c(want, ']');
	assert_string_equal(json, want->str);
	/* and it is JSON: an array of the three, in order */
	root = df_parse_json(json);
	if (!JSON_NODE_HOLDS_ARRAY(root))
		fail_msg("controllers_info is not a JSON array: %.200s", json);
	array = json_node_get_array(root);
	assert_int_equal(json_array_get_length(array), G_N_ELEMENTS(addrs));
	for (guint i = 0; i < G_N_ELEMENTS(addrs); i++)
		assert_json_string(json_array_get_object_element(array, i), "traddr", addrs[i]);
}

static void start_stacd_alone(DaemonFixture *f, const char *const *args);

/* no controller: an empty array */
static void
case_controllers_info_empty(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autofree char *json = NULL;

	df_write(f, "stacd.conf", "");
	start_stacd_alone(f, NULL);
	proxies_must_init(&p, f);
	list = list_controllers(&p, TRUE);
	assert_int_equal(g_variant_n_children(list), 0);
	json = controllers_info(&p);
	assert_string_equal(json, "[]");
}

static void
case_process_info(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *lkc = NULL;
	g_autoptr(GList) members = NULL;
	JsonObject *o;
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
	/* REFERENCE 3.5: no avahi in stacd; terminator.controller.* only while one is queued */
	members = json_object_get_members(o);
	for (GList *m = members; m; m = m->next) {
		if (!in_list(keys, m->data) && !g_str_has_prefix(m->data, "terminator.controller."))
			fail_msg("process_info: unexpected key \"%s\"", (char *)m->data);
	}
	assert_false(json_object_get_boolean_member(o, "tron"));
	assert_json_string(o, "log-level", "INFO");
	assert_json_string(o, "hostnqn", DF_HOSTNQN);
	assert_json_string(o, "hostid", DF_HOSTID);
	assert_true(json_node_is_null(json_object_get_member(o, "hostkey")));
	assert_true(json_node_is_null(json_object_get_member(o, "symname")));
	/* stacd's own runtime directory, not stafd's */
	lkc = g_build_filename(f->stacd_run_dir, "last-known-config.json", NULL);
	assert_json_string(o, "last known config file", lkc);
	assert_true(is_timer_string(json_object_get_string_member(o, "config soak timer")));
	assert_true(is_timer_string(json_object_get_string_member(o, "terminator.audit timer")));
	assert_json_string(o, "kernel support.TP8013", "True");
	assert_json_string(o, "kernel support.host_iface", "True");
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

	start(f, &p, NULL);
	assert_false(get_tron(f));
	assert_log_level(f, "INFO");

	set_tron(f, TRUE);
	assert_true(get_tron(f));
	assert_log_level(f, "DEBUG");
	assert_true(process_info_tron(&p));
	assert_true(df_log_contains_of(f, "stacd", "Trace ON"));

	set_tron(f, FALSE);
	assert_false(get_tron(f));
	assert_log_level(f, "INFO");

	/* REFERENCE 3.2: not persisted, a reload takes the config file's value again */
	set_tron(f, TRUE);
	df_signal_of(f, "stacd", SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !get_tron(f), DF_TIMEOUT_SEC);
	assert_log_level(f, "INFO");
	/* stafd's tron is its own */
	assert_false(df_log_contains_of(f, "stafd", "Trace ON"));
}

static void
start_stacd_alone(DaemonFixture *f, const char *const *args)
{
	const char *program = g_getenv(DF_ENV_STACD);
	g_autofree char *conf = df_path(f, "stacd.conf");
	g_autoptr(GPtrArray) argv = g_ptr_array_new();

	if (program == NULL)
		fail_msg("%s is not set (run the tests through meson)", DF_ENV_STACD);
	g_ptr_array_add(argv, (gpointer) "-f");
	g_ptr_array_add(argv, conf);
	for (guint i = 0; args && args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	df_start_daemon(f, "stacd", program, (const char *const *)argv->pdata);
	df_wait_name(f, NAME, DF_TIMEOUT_SEC);
}

/* log_level follows tron; it cannot be set; --tron outlives a reload (Q15) */
static void
case_log_level(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;

	df_write(f, "stacd.conf", "[Global]\ntron=true\n");
	start_stacd_alone(f, NULL);
	assert_true(get_tron(f));
	assert_log_level(f, "DEBUG");
	if (set_property(f->bus, "log_level", g_variant_new_string("INFO"), &error))
		fail_msg("Set log_level succeeded");
	assert_log_level(f, "DEBUG");
	/* the file changes: a reload takes it */
	df_write(f, "stacd.conf", "[Global]\ntron=false\n");
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, !get_tron(f), DF_TIMEOUT_SEC);
	assert_log_level(f, "INFO");
	df_stop_daemon(f);

	/* --tron on the command line stays on through a reload */
	start_stacd_alone(f, (const char *const[]){"--tron", NULL});
	assert_true(get_tron(f));
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, df_log_count(f, "Reloading configuration") >= 2, DF_TIMEOUT_SEC);
	assert_true(get_tron(f));
	assert_log_level(f, "DEBUG");
}

/* ---- the unprivileged client -------------------------------------------------- */

/*
 * runs as nobody in a copy of this program (--unprivileged-client ADDRESS
 * WHAT): "read" calls every method and reads every property, "set-tron"
 * tries to set tron, "own" tries to own the name.  prints one line per
 * step; exit 0 when all went as an unprivileged caller should see it.
 */
static int
unprivileged_read(Proxies *p, GDBusConnection *bus)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL;
	g_autoptr(GError) e7 = NULL;
	g_autoptr(GVariant) l1 = NULL, l2 = NULL, tron = NULL, level = NULL;
	g_autofree char *pi = NULL, *ci = NULL, *all = NULL;
	int bad = 0;

#define STEP(ok, what, err)                                                                        \
	do {                                                                                       \
		printf("%s %s%s%s\n", (ok) ? "ok" : "FAILED", what, (ok) ? "" : ": ",              \
		       (ok) ? "" : ((err) ? (err)->message : "?"));                                \
		bad |= !(ok);                                                                      \
	} while (0)

	STEP(stas_dbus_stac_call_list_controllers_sync(p->stac, FALSE, &l1, NULL, &e1) &&
		     g_variant_n_children(l1) == 3,
	     "list_controllers(false)", e1);
	STEP(stas_dbus_stac_call_list_controllers_sync(p->stac, TRUE, &l2, NULL, &e2) &&
		     g_variant_n_children(l2) == 3,
	     "list_controllers(true)", e2);
	STEP(stas_dbus_stac_debug_call_process_info_sync(p->debug, &pi, NULL, &e3), "process_info",
	     e3);
	STEP(stas_dbus_stac_debug_call_controller_info_sync(p->debug, "tcp", IO1, "4420", IO1_NQN,
							    "", "", DF_HOSTNQN, &ci, NULL, &e4) &&
		     g_strcmp0(ci, "{}") != 0,
	     "controller_info", e4);
	STEP(stas_dbus_stac_debug_call_controllers_info_sync(p->debug, &all, NULL, &e7) &&
		     g_str_has_prefix(all, "[{"),
	     "controllers_info", e7);
	tron = get_property(bus, "tron", &e5);
	STEP(tron != NULL, "Get tron", e5);
	level = get_property(bus, "log_level", &e6);
	STEP(level != NULL, "Get log_level", e6);
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
	/* the policy refuses it before stacd sees it */
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
		fail_msg("the policy lets an unprivileged caller own stacd's name:\n%s", out);
	assert_true(df_name_has_owner(f, NAME));
}

/* the same on a bus without the project's policy: stacd refuses it itself (B3) */
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
		fail_msg("stacd let an unprivileged caller set tron:\n%s", out);
	/* refused by stacd, not by a bus policy */
	assert_true(df_contains(out, "refused: org.freedesktop.DBus.Error.AccessDenied"));
	assert_false(df_contains(out, "Rejected send message"));
	assert_false(get_tron(f));
	assert_false(df_log_contains_of(f, "stacd", "Trace ON"));
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
	IOC_SECRET,
	IOC_CSECRET,
	"SG9zdEtleU9mVGhlVGVzdEhvc3RPbmx5MTIzNDU2Nzg5MEFC",
	"SW9Db250cm9sbGVyU2VjcmV0T2ZUaGVUZXN0SG9zdDEyMzQ",
	"SW9Db250cm9sbGVyU2lkZVNlY3JldEZvckJpZGlyZWN0aW9u",
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

#define SEVEN_IO3 "(sssssss)", "tcp", IO3, "4420", IO3_NQN, "", "", DF_HOSTNQN

static void
case_no_secret_in_replies(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) detailed = NULL;
	g_autoptr(GVariant) dict = NULL;
	g_autoptr(GVariant) ddict = NULL;
	g_autofree char *info = NULL;
	g_autofree char *log = NULL;
	g_autofree char *state = NULL;
	g_autofree char *state_path = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) info_root = NULL;
	g_autofree char *ci = NULL;
	g_autofree char *all = NULL;
	struct stat st;
	struct {
		const char *iface, *method;
		GVariant *args;
	} calls[] = {
		{IFACE, "list_controllers", g_variant_new("(b)", FALSE)},
		{IFACE, "list_controllers", g_variant_new("(b)", TRUE)},
		{IFACE_DBG, "process_info", NULL},
		{IFACE_DBG, "controller_info", g_variant_new(SEVEN_IO3)},
		{IFACE_DBG, "controllers_info", NULL},
		{PROPS, "GetAll", g_variant_new("(s)", IFACE_DBG)},
		{PROPS, "GetAll", g_variant_new("(s)", IFACE)},
		{"org.freedesktop.DBus.Introspectable", "Introspect", NULL},
	};

	df_write(f, "sys.conf", "[Host]\nnqn=" DF_HOSTNQN "\nid=" DF_HOSTID "\nkey=" HOST_KEY "\n");
	start(f, &p,
	      "[Global]\ntron=true\n[Controllers]\n" IO3_CONTROLLER ";dhchap-secret=" IOC_SECRET
	      ";dhchap-ctrl-secret=" IOC_CSECRET "\n");
	/* the secrets did reach the kernel: the test is not empty */
	{
		g_autoptr(JsonObject) r = df_kernel(f, "list-connects", "{}");
		g_autoptr(JsonNode) n = json_node_alloc();
		g_autofree char *text = NULL;

		json_node_init_object(n, r);
		text = json_to_string(n, FALSE);
		if (!df_contains(text, "dhchap_secret=" IOC_SECRET))
			fail_msg("the configured secret never reached the kernel: %s", text);
	}

	for (gsize i = 0; i < G_N_ELEMENTS(calls); i++) {
		g_autoptr(GVariant) reply =
			raw_call(f, calls[i].iface, calls[i].method, calls[i].args);
		g_autofree char *what = g_strdup_printf("%s.%s", calls[i].iface, calls[i].method);

		assert_no_secret(reply, what);
	}

	/* where a key exists it shows as <redacted> (B3) */
	list = list_controllers(&p, FALSE);
	dict = must_find_ioc(list, IO3);
	assert_value(dict, "dhchap-secret", REDACTED);
	assert_value(dict, "dhchap-ctrl-secret", REDACTED);
	detailed = list_controllers(&p, TRUE);
	ddict = must_find_ioc(detailed, IO3);
	assert_value(ddict, "dhchap-secret", REDACTED);
	assert_value(ddict, "dhchap-ctrl-secret", REDACTED);
	ci = controller_info(&p, IO3, IO3_NQN);
	info_root = df_parse_json(ci);
	assert_json_string(json_node_get_object(info_root), "dhchap-secret", REDACTED);
	all = controllers_info(&p);
	if (!df_contains(all, "\"dhchap-secret\":\"" REDACTED "\""))
		fail_msg("controllers_info does not show IO3's secret redacted: %s", all);
	info = process_info(&p);
	root = df_parse_json(info);
	assert_json_string(json_node_get_object(root), "hostkey", REDACTED);

	/* nor in the log (traces on), nor in the state file, which is 0600 */
	log = df_daemon_log_of(f, "stacd");
	state_path = g_build_filename(f->stacd_run_dir, "last-known-config.json", NULL);
	DF_ASSERT_EVENTUALLY(f, g_file_test(state_path, G_FILE_TEST_EXISTS), DF_TIMEOUT_SEC);
	df_stop_daemon_of(f, "stacd");
	state = df_read(state_path);
	assert_non_null(state);
	assert_true(df_contains(state, IO3));
	for (guint i = 0; secrets[i]; i++) {
		if (df_contains(log, secrets[i]))
			fail_msg("stacd's log contains the secret %s", secrets[i]);
		if (df_contains(state, secrets[i]))
			fail_msg("the state file contains the secret %s", secrets[i]);
	}
	assert_int_equal(stat(state_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
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
	static const char *const standard[] = {"org.freedesktop.DBus.Introspectable", PROPS,
					       "org.freedesktop.DBus.Peer", NULL};

	start(f, &p, NULL);
	xml_path = g_build_filename(g_getenv(DF_ENV_DBUS_XML_DIR), "org.nvmexpress.stac.xml", NULL);
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
	/* REFERENCE 3.4: two interfaces, list_controllers only, no signals */
	assert_int_equal(count((gpointer *)want->interfaces), 2);
	for (guint i = 0; want->interfaces[i]; i++) {
		GDBusInterfaceInfo *gi =
			g_dbus_node_info_lookup_interface(got, want->interfaces[i]->name);

		if (gi == NULL)
			fail_msg("interface %s is not on the bus", want->interfaces[i]->name);
		compare_interface(want->interfaces[i], gi);
		assert_int_equal(count((gpointer *)gi->signals), 0);
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

#define INVALID_ARGS "org.freedesktop.DBus.Error.InvalidArgs"

static void
case_error_paths(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *huge = g_strnfill(65536, 'a');
	g_autofree char *hostile_info = NULL;
	g_autofree char *huge_info = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) list = NULL;

	start(f, &p, NULL);
	expect_error(f, IFACE, "no_such_method", NULL, "org.freedesktop.DBus.Error.UnknownMethod");
	expect_error(
		f, IFACE, "get_log_pages",
		g_variant_new("(sssssss)", "tcp", DC_ADDR, "8009", DF_DISC_NQN, "", "", DF_HOSTNQN),
		"org.freedesktop.DBus.Error.UnknownMethod");
	expect_error(f, "org.nvmexpress.stac.nope", "list_controllers", g_variant_new("(b)", TRUE),
		     NULL);
	expect_error(f, IFACE, "list_controllers", g_variant_new("(s)", "yes"), INVALID_ARGS);
	expect_error(f, IFACE, "list_controllers", NULL, INVALID_ARGS);
	expect_error(f, IFACE_DBG, "controller_info", g_variant_new("(b)", TRUE), INVALID_ARGS);
	expect_error(f, IFACE_DBG, "controller_info",
		     g_variant_new("(ssssss)", "tcp", IO1, "4420", IO1_NQN, "", ""), INVALID_ARGS);
	expect_error(f, IFACE_DBG, "controllers_info", g_variant_new("(b)", TRUE), INVALID_ARGS);
	expect_error(f, IFACE, "controllers_info", NULL,
		     "org.freedesktop.DBus.Error.UnknownMethod");
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
	if (!stas_dbus_stac_debug_call_controller_info_sync(
		    p.debug, "tcp", "1.2.3.4,hostnqn=x", "4420\n", "nqn\x01", "\x7f", "../../etc",
		    "nqn.x,transport=rdma", &hostile_info, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	assert_string_equal(hostile_info, "{}");
	if (!stas_dbus_stac_debug_call_controller_info_sync(p.debug, huge, huge, huge, huge, huge,
							    huge, huge, &huge_info, NULL, &error))
		fail_msg("controller_info: %s", error->message);
	assert_string_equal(huge_info, "{}");

	/* and stacd still serves */
	df_check_alive(f);
	list = list_controllers(&p, TRUE);
	assert_int_equal(g_variant_n_children(list), 3);
	assert_false(get_tron(f));
	assert_log_level(f, "INFO");
}

/* ---- stacd as stafd's client ------------------------------------------------------- */

/*
 * stafd is not running: stacd serves its bus, connects what it is configured
 * with, and does not call a stafd that is not there (B2, REFERENCE 5.9.3)
 */
static void
case_stafd_not_running(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GVariant) d = NULL;
	g_autofree char *info = NULL;

	declare_targets(f);
	df_write(f, "stacd.conf", STACD_CONF);
	start_stacd_alone(f, NULL);
	proxies_must_init(&p, f);
	DF_ASSERT_EVENTUALLY(f, connected_is(&p, IO3), DF_TIMEOUT_SEC);
	list = list_controllers(&p, TRUE);
	assert_int_equal(g_variant_n_children(list), 1);
	d = must_find_ioc(list, IO3);
	assert_value(d, "dlpe", "None");
	info = process_info(&p);
	assert_true(df_contains(info, "\"hostnqn\""));
	/* a reload does not go asking either */
	df_signal(f, SIGHUP);
	DF_ASSERT_EVENTUALLY(f, df_log_contains(f, "Reloading configuration"), DF_TIMEOUT_SEC);
	df_iterate(f, 1000);
	assert_false(df_log_contains(f, "Cannot get the log pages from stafd"));
	assert_false(df_log_contains(f, "Failed to connect to staf"));
	assert_false(df_log_contains(f, "stafd is on the bus"));
	assert_false(df_name_has_owner(f, "org.nvmexpress.staf"));
	df_stop_daemon(f);
}

static void
emit_impostor_signal(DaemonFixture *f)
{
	g_autoptr(GError) error = NULL;

	if (!g_dbus_connection_emit_signal(f->bus, NULL, "/org/nvmexpress/staf",
					   "org.nvmexpress.staf", "log_pages_changed",
					   g_variant_new("(ssssssss)", "tcp", DC_ADDR, "8009",
							 DF_DISC_NQN, "", "", DF_HOSTNQN, "nvme0"),
					   &error) ||
	    !g_dbus_connection_emit_signal(f->bus, NULL, "/org/nvmexpress/staf",
					   "org.nvmexpress.staf", "dc_removed", NULL, &error) ||
	    !g_dbus_connection_flush_sync(f->bus, NULL, &error))
		fail_msg("cannot emit the signals: %s", error->message);
}

/* only stafd (the owner of its name) can make stacd reconcile */
static void
case_signals_only_from_stafd(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};

	start(f, &p, "[Global]\ntron=true\n[Controllers]\n" IO3_CONTROLLER "\n");
	/* the signals of the first reads are over */
	df_iterate(f, 500);
	assert_false(df_log_contains_of(f, "stacd", "stafd: dc_removed"));
	emit_impostor_signal(f);
	df_iterate(f, 1000);
	assert_false(df_log_contains_of(f, "stacd", "stafd: dc_removed"));
	/* the same signal from stafd is heard: its DC's log changes */
	df_kernel_do(f, "set-entries",
		     "{\"name\":\"dc\",\"entries\":["
		     "{\"subtype\":\"nvme\",\"traddr\":\"" IO1 "\",\"subnqn\":\"" IO1_NQN "\"}]}");
	DF_ASSERT_EVENTUALLY(f, df_log_contains_of(f, "stacd", "stafd: log_pages_changed"),
			     DF_TIMEOUT_SEC);
	DF_ASSERT_EVENTUALLY(f, !connected_is(&p, IO2), DF_TIMEOUT_SEC);
}

/* a second stacd cannot have the name: it says so and exits with failure */
static void
case_second_instance_refused(DaemonFixture *f)
{
	g_auto(Proxies) p = {0};
	g_autofree char *conf = df_path(f, "stacd.conf");
	int status;

	start(f, &p, NULL);
	df_start_daemon(f, "stacd-second", g_getenv(DF_ENV_STACD),
			(const char *const[]){"-f", conf, NULL});
	status = df_wait_exit_of(f, "stacd-second", DF_TIMEOUT_SEC);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
		fail_msg("the second stacd ended with wait status 0x%x, expected exit 1", status);
	assert_true(df_log_contains_of(f, "stacd-second", "bus name org.nvmexpress.stac"));
	/* the first one still serves, with every connection */
	assert_true(connected_is(&p, IO1) && connected_is(&p, IO2) && connected_is(&p, IO3));
	df_check_alive(f);
}

/* ---- main ---------------------------------------------------------------------------- */

static const DfCase cases[] = {
	{"list-controllers", case_list_controllers, FALSE},
	{"list-controllers-detailed", case_list_controllers_detailed, FALSE},
	{"controller-info-known", case_controller_info_known, FALSE},
	{"controller-info-unknown", case_controller_info_unknown, FALSE},
	{"controllers-info", case_controllers_info, FALSE},
	{"controllers-info-empty", case_controllers_info_empty, FALSE},
	{"process-info", case_process_info, FALSE},
	{"tron-root", case_tron_root, FALSE},
	{"log-level", case_log_level, FALSE},
	{"unprivileged-reads", case_unprivileged_reads, FALSE},
	{"unprivileged-cannot-set-tron", case_unprivileged_cannot_set_tron, FALSE},
	{"unprivileged-cannot-own-name", case_unprivileged_cannot_own_name, FALSE},
	{"daemon-refuses-unprivileged-tron", case_daemon_refuses_unprivileged_tron, TRUE},
	{"no-secret-in-replies", case_no_secret_in_replies, FALSE},
	{"introspection-matches-xml", case_introspection_matches_xml, FALSE},
	{"error-paths", case_error_paths, FALSE},
	{"stafd-not-running", case_stafd_not_running, FALSE},
	{"signals-only-from-stafd", case_signals_only_from_stafd, FALSE},
	{"second-instance-refused", case_second_instance_refused, FALSE},
};

int
main(int argc, char **argv)
{
	if (argc == 4 && g_str_equal(argv[1], "--unprivileged-client"))
		return unprivileged_client(argv[2], argv[3]);
	return df_main(argc, argv, cases, G_N_ELEMENTS(cases));
}
