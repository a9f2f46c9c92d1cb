/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctl-common.h"
#include "ctl-format.h"

#include "stas/stas-error.h"

struct _Ctl {
	const CtlTool *tool;
	GDBusConnection *connection;
	GDBusProxy *main_proxy;
	GDBusProxy *debug_proxy;
	gboolean bus_failed; /* the error came from the bus, not from the data */
};

static void
ctl_free(Ctl *ctl)
{
	g_clear_object(&ctl->main_proxy);
	g_clear_object(&ctl->debug_proxy);
	g_clear_object(&ctl->connection);
	g_free(ctl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ctl, ctl_free)

/* the bus is opened on first use: -h and usage errors never touch it */
static GDBusConnection *
get_connection(Ctl *ctl, GError **error)
{
	if (ctl->connection == NULL)
		ctl->connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	ctl->bus_failed |= ctl->connection == NULL;
	return ctl->connection;
}

/* a proxy of a name nobody owns fails here, before any call is made */
static GDBusProxy *
check_owner(Ctl *ctl, GDBusProxy *proxy, GError **error)
{
	g_autofree char *owner = proxy ? g_dbus_proxy_get_name_owner(proxy) : NULL;

	if (proxy && owner == NULL) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
			    "%s is not on the bus", ctl->tool->bus_name);
		g_clear_object(&proxy);
	}
	ctl->bus_failed |= proxy == NULL;
	return proxy;
}

GDBusProxy *
ctl_get_main_proxy(Ctl *ctl, GError **error)
{
	if (ctl->main_proxy == NULL && get_connection(ctl, error))
		ctl->main_proxy =
			check_owner(ctl, ctl->tool->new_main_proxy(ctl->connection, error), error);
	return ctl->main_proxy;
}

GDBusProxy *
ctl_get_debug_proxy(Ctl *ctl, GError **error)
{
	if (ctl->debug_proxy == NULL && get_connection(ctl, error))
		ctl->debug_proxy =
			check_owner(ctl, ctl->tool->new_debug_proxy(ctl->connection, error), error);
	return ctl->debug_proxy;
}

void
ctl_set_bus_failed(Ctl *ctl)
{
	ctl->bus_failed = TRUE;
}

/* a method call, its reply type checked: any failure is the bus's */
static GVariant *
call(Ctl *ctl, GDBusProxy *proxy, const char *method, GVariant *params, const char *reply_type,
     GError **error)
{
	/* owned here: a failing call must not leak a floating value */
	g_autoptr(GVariant) args = params ? g_variant_ref_sink(params) : NULL;
	g_autoptr(GVariant) reply = NULL;

	if (proxy == NULL)
		return NULL;
	reply = g_dbus_proxy_call_sync(proxy, method, args, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
				       NULL, error);
	if (reply && !g_variant_is_of_type(reply, G_VARIANT_TYPE(reply_type))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s returned %s instead of %s", method,
			    g_variant_get_type_string(reply), reply_type);
		g_clear_pointer(&reply, g_variant_unref);
	}
	ctl->bus_failed |= reply == NULL;
	return g_steal_pointer(&reply);
}

JsonNode *
ctl_parse_reply(Ctl *ctl, const char *json, JsonNodeType type, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(JsonNode) node = ctl_node_from_json(json, &local);

	if (node == NULL) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "Invalid reply from %s: %s",
			    ctl->tool->daemon, local->message);
		return NULL;
	}
	if (JSON_NODE_TYPE(node) != type) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "Invalid reply from %s: unexpected JSON %s", ctl->tool->daemon,
			    json_node_type_name(node));
		return NULL;
	}
	return g_steal_pointer(&node);
}

void
ctl_controller_id_from_object(JsonObject *controller, CtlControllerId *id)
{
	id->transport = json_object_get_string_member_with_default(controller, "transport", "");
	id->traddr = json_object_get_string_member_with_default(controller, "traddr", "");
	id->trsvcid = json_object_get_string_member_with_default(controller, "trsvcid", "");
	id->subsysnqn = json_object_get_string_member_with_default(controller, "subsysnqn", "");
	id->host_traddr = json_object_get_string_member_with_default(controller, "host-traddr", "");
	id->host_iface = json_object_get_string_member_with_default(controller, "host-iface", "");
	id->host_nqn = json_object_get_string_member_with_default(controller, "host-nqn", "");
}

/* (sssssss) without g_variant_new()'s format parsing: it is per controller */
GVariant *
ctl_controller_id_to_variant(const CtlControllerId *id)
{
	GVariant *items[] = {
		g_variant_new_string(id->transport),   g_variant_new_string(id->traddr),
		g_variant_new_string(id->trsvcid),     g_variant_new_string(id->subsysnqn),
		g_variant_new_string(id->host_traddr), g_variant_new_string(id->host_iface),
		g_variant_new_string(id->host_nqn),
	};

	return g_variant_new_tuple(items, G_N_ELEMENTS(items));
}

/* ---- tron / troff ---------------------------------------------------------- */

/* the property through org.freedesktop.DBus.Properties, so that an error
 * (e.g. access denied) is seen, and read back from the daemon */
static JsonNode *
set_tron(Ctl *ctl, gboolean on, GError **error)
{
	GDBusProxy *debug = ctl_get_debug_proxy(ctl, error);
	const char *iface = debug ? g_dbus_proxy_get_interface_name(debug) : NULL;
	g_autoptr(GVariant) set = NULL;
	g_autoptr(GVariant) get = NULL;
	g_autoptr(GVariant) value = NULL;
	g_autoptr(JsonObject) object = NULL;
	JsonNode *node;

	if (debug == NULL)
		return NULL;
	set = g_dbus_connection_call_sync(
		ctl->connection, ctl->tool->bus_name, ctl->tool->object_path,
		"org.freedesktop.DBus.Properties", "Set",
		g_variant_new("(ssv)", iface, "tron", g_variant_new_boolean(on)), NULL,
		G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, error);
	ctl->bus_failed |= set == NULL;
	if (set == NULL)
		return NULL;
	get = g_dbus_connection_call_sync(
		ctl->connection, ctl->tool->bus_name, ctl->tool->object_path,
		"org.freedesktop.DBus.Properties", "Get", g_variant_new("(ss)", iface, "tron"),
		G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, error);
	ctl->bus_failed |= get == NULL;
	if (get == NULL)
		return NULL;
	g_variant_get(get, "(v)", &value);
	object = json_object_new();
	json_object_set_member(object, "tron", ctl_node_from_variant(value));
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, object);
	return node;
}

JsonNode *
ctl_cmd_tron(Ctl *ctl, const CtlArgs *args, GError **error)
{
	return set_tron(ctl, TRUE, error);
}

JsonNode *
ctl_cmd_troff(Ctl *ctl, const CtlArgs *args, GError **error)
{
	return set_tron(ctl, FALSE, error);
}

/* ---- ls / status ----------------------------------------------------------- */

static JsonNode *
list_controllers(Ctl *ctl, gboolean detailed, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) list = NULL;

	reply = call(ctl, ctl_get_main_proxy(ctl, error), "list_controllers",
		     g_variant_new("(b)", detailed), "(aa{ss})", error);
	if (reply == NULL)
		return NULL;
	list = g_variant_get_child_value(reply, 0);
	return ctl_node_from_variant(list);
}

JsonNode *
ctl_cmd_ls(Ctl *ctl, const CtlArgs *args, GError **error)
{
	return list_controllers(ctl, ctl_args_get_flag(args, "detailed"), error);
}

static char *
call_string(Ctl *ctl, GDBusProxy *proxy, const char *method, GVariant *params, GError **error)
{
	g_autoptr(GVariant) reply = call(ctl, proxy, method, params, "(s)", error);
	char *s = NULL;

	if (reply)
		g_variant_get(reply, "(s)", &s);
	return s;
}

/* controller.update(info): the values are shared, not copied */
static void
merge_object(JsonObject *controller, JsonObject *info)
{
	JsonObjectIter iter;
	const char *name;
	JsonNode *value;

	json_object_iter_init(&iter, info);
	while (json_object_iter_next(&iter, &name, &value))
		json_object_set_member(controller, name, json_node_ref(value));
}

/* upstream: controller.update(json.loads(controller_info(...))) */
static gboolean
merge_controller_info(Ctl *ctl, JsonObject *controller, const CtlControllerId *id, GError **error)
{
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) info = NULL;

	json = call_string(ctl, ctl_get_debug_proxy(ctl, error), "controller_info",
			   ctl_controller_id_to_variant(id), error);
	if (json == NULL)
		return FALSE;
	info = ctl_parse_reply(ctl, json, JSON_NODE_OBJECT, error);
	if (info == NULL)
		return FALSE;
	merge_object(controller, json_node_get_object(info));
	return TRUE;
}

static gboolean
complete_controller(Ctl *ctl, JsonObject *controller, GError **error)
{
	CtlControllerId id;

	ctl_controller_id_from_object(controller, &id);
	if (ctl->tool->get_log_pages) {
		JsonNode *pages = ctl->tool->get_log_pages(ctl, &id, error);

		if (pages == NULL)
			return FALSE;
		/* id points into controller: the merge comes after its last use */
		if (!merge_controller_info(ctl, controller, &id, error)) {
			json_node_unref(pages);
			return FALSE;
		}
		json_object_set_member(controller, "log_pages", pages);
		return TRUE;
	}
	return merge_controller_info(ctl, controller, &id, error);
}

/* the seven identity members of list_controllers' dicts */
static const char *const id_members[] = {
	"transport", "traddr", "trsvcid", "subsysnqn", "host-traddr", "host-iface", "host-nqn",
};

/* info is controller's, unless it names another one (a member it has not is not a
 * mismatch: controller_info's {} for a controller that went has none) */
static gboolean
info_is_of(JsonNode *info, JsonObject *controller)
{
	JsonObject *o = JSON_NODE_HOLDS_OBJECT(info) ? json_node_get_object(info) : NULL;

	if (o == NULL)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(id_members); i++) {
		const char *key = id_members[i];
		JsonNode *v = json_object_get_member(o, key);
		const char *want = json_object_get_string_member_with_default(controller, key, "");

		if (v == NULL)
			continue;
		if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING ||
		    g_strcmp0(json_node_get_string(v), want) != 0)
			return FALSE;
	}
	return TRUE;
}

/*
 * every controller's info in one call (tool->all_info_method): *done FALSE
 * when the daemon has no such method (an older stacd, upstream's) or its
 * answer is not for these controllers (one came or went between the calls):
 * then nothing is merged, and the caller asks controller by controller
 */
static gboolean
merge_all_controller_info(Ctl *ctl, JsonArray *list, gboolean *done, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) infos = NULL;
	gboolean bus_failed = ctl->bus_failed;
	JsonArray *array;
	guint n = json_array_get_length(list);

	*done = FALSE;
	json = call_string(ctl, ctl_get_debug_proxy(ctl, &local), ctl->tool->all_info_method, NULL,
			   &local);
	if (json == NULL) {
		if (!g_error_matches(local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		ctl->bus_failed = bus_failed;
		return TRUE;
	}
	infos = ctl_parse_reply(ctl, json, JSON_NODE_ARRAY, error);
	if (infos == NULL)
		return FALSE;
	array = json_node_get_array(infos);
	if (json_array_get_length(array) != n)
		return TRUE;
	for (guint i = 0; i < n; i++) {
		if (!info_is_of(json_array_get_element(array, i),
				json_array_get_object_element(list, i)))
			return TRUE;
	}
	for (guint i = 0; i < n; i++)
		merge_object(json_array_get_object_element(list, i),
			     json_array_get_object_element(array, i));
	*done = TRUE;
	return TRUE;
}

JsonNode *
ctl_cmd_status(Ctl *ctl, const CtlArgs *args, GError **error)
{
	g_autofree char *json = NULL;
	g_autoptr(JsonNode) info = NULL;
	g_autoptr(JsonNode) controllers = NULL;
	JsonArray *list;
	gboolean done = FALSE;

	json = call_string(ctl, ctl_get_debug_proxy(ctl, error), "process_info", NULL, error);
	if (json == NULL)
		return NULL;
	info = ctl_parse_reply(ctl, json, JSON_NODE_OBJECT, error);
	if (info == NULL)
		return NULL;
	controllers = list_controllers(ctl, TRUE, error);
	if (controllers == NULL)
		return NULL;
	list = json_node_get_array(controllers);
	if (ctl->tool->all_info_method && !ctl->tool->get_log_pages) {
		if (!merge_all_controller_info(ctl, list, &done, error))
			return NULL;
	}
	for (guint i = 0; !done && i < json_array_get_length(list); i++) {
		JsonObject *controller = json_array_get_object_element(list, i);

		if (!complete_controller(ctl, controller, error))
			return NULL;
	}
	json_object_set_member(json_node_get_object(info), "controllers",
			       g_steal_pointer(&controllers));
	return g_steal_pointer(&info);
}

/* ---- main ------------------------------------------------------------------ */

static const CtlCommand *
find_command(const CtlTool *tool, const char *name)
{
	for (const CtlCommand *c = tool->commands; c->name; c++)
		if (g_str_equal(c->name, name))
			return c;
	return NULL;
}

static void
print_result(const CtlCommand *cmd, JsonNode *node, gboolean json)
{
	g_autofree char *text = NULL;

	if (cmd->output == CTL_OUTPUT_TRON && !json) {
		JsonNode *tron = json_object_get_member(json_node_get_object(node), "tron");
		g_autofree char *value = ctl_format_pretty(tron, CTL_PPRINT_WIDTH);

		text = g_strdup_printf("tron = %s", value);
	} else {
		text = json ? ctl_format_json(node) : ctl_format_pretty(node, CTL_PPRINT_WIDTH);
	}
	printf("%s\n", text);
}

/* REFERENCE 4.1: every D-Bus failure reads the same */
static void
print_error(Ctl *ctl, const GError *error)
{
	const char *daemon = ctl->tool->daemon;

	if (ctl->bus_failed)
		fprintf(stderr, "Unable to communicate with %s over D-Bus. Is %s running?\n",
			daemon, daemon);
	else
		fprintf(stderr, "%s\n", error->message);
}

int
ctl_main(const CtlTool *tool, int argc, char **argv)
{
	g_autoptr(CtlArgs) args = NULL;
	g_autoptr(Ctl) ctl = g_new0(Ctl, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) result = NULL;
	const CtlCommand *cmd;
	int status;

	args = ctl_args_parse(tool->parser, argc, argv, stdout, stderr, &status);
	if (args == NULL)
		return status;
	if (ctl_args_get_flag(args, "version")) {
		printf("nvme-stas %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (ctl_args_get_command(args) == NULL) {
		ctl_args_print_usage(tool->parser, stdout);
		return EXIT_FAILURE;
	}
	cmd = find_command(tool, ctl_args_get_command(args)->name);
	if (cmd == NULL) /* the parser and the command tables disagree */
		return EXIT_FAILURE;
	ctl->tool = tool;
	result = cmd->run(ctl, args, &error);
	if (result == NULL) {
		print_error(ctl, error);
		return EXIT_FAILURE;
	}
	print_result(cmd, result, ctl_args_get_flag(args, "json"));
	return EXIT_SUCCESS;
}
