/* SPDX-License-Identifier: Apache-2.0 */
/* stacd's D-Bus objects, and stacd as stafd's client */
#include "config.h"

#include <string.h>

#include "stacd-bus.h"

#include "stas-stac-dbus.h"
#include "stas/stas-daemon.h"
#include "stas/stas-error.h"
#include "stas/stas-json-text.h"
#include "stas/stas-log.h"

struct _StacdBus {
	StacdService *service;
	GDBusConnection *connection;
	guint reg_main;
	guint reg_debug;
	guint owner_id;
	GCallback name_lost;
	gpointer user_data;

	/* stafd */
	guint watch_id;
	char *stafd_owner; /* its unique name while it is on the bus */
	guint sub_changed;
	guint sub_removed;
};

/* ---- wire types ---------------------------------------------------------- */

/* the controller named by the seven identity strings of a call (REFERENCE 3.3) */
static StacdIoc *
lookup_ioc(StacdBus *bus, GVariant *params)
{
	GVariant *v[7];
	const char *f[7];
	StasTidDefaults defaults;
	g_autoptr(StasTid) tid = NULL;

	/* (sssssss), checked by GDBus against the introspection data; child by
	 * child: g_variant_get() parses its format string, ~24 K instructions */
	for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
		v[i] = g_variant_get_child_value(params, i);
		f[i] = g_variant_get_string(v[i], NULL);
	}
	stacd_service_get_tid_defaults(bus->service, &defaults);
	tid = stas_tid_new(f[0], f[1], f[2], f[3], f[4], f[5], f[6], &defaults);
	for (guint i = 0; i < G_N_ELEMENTS(v); i++)
		g_variant_unref(v[i]);
	return stacd_service_find_ioc(bus->service, tid);
}

/* ---- org.nvmexpress.stac ------------------------------------------------- */

static GVariant *
controller_list(StacdBus *bus, gboolean detailed)
{
	g_autoptr(GPtrArray) iocs = stacd_service_get_iocs(bus->service);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; i < iocs->len; i++) {
		StasController *ctrl = g_ptr_array_index(iocs, i);
		g_autoptr(GHashTable) d = detailed ? stas_controller_get_details(ctrl)
						   : stas_controller_get_id_dict(ctrl);

		g_variant_builder_add_value(&b, stas_daemon_dict_to_variant(d));
	}
	return g_variant_new("(aa{ss})", &b);
}

static void
main_method_call(GDBusConnection *connection, const char *sender, const char *path,
		 const char *iface, const char *method, GVariant *params,
		 GDBusMethodInvocation *invocation, gpointer data)
{
	StacdBus *bus = data;
	gboolean detailed;

	if (!g_str_equal(method, "list_controllers")) {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD,
						      "No such method %s", method);
		return;
	}
	g_variant_get(params, "(b)", &detailed);
	g_dbus_method_invocation_return_value(invocation, controller_list(bus, detailed));
}

static const GDBusInterfaceVTable main_vtable = {main_method_call, NULL, NULL, {0}};

/* ---- org.nvmexpress.stac.debug ------------------------------------------- */

/* controller_info's object of ioc: json_to_string(object, FALSE) of its info
 * dict, keys sorted, without building a JsonNode tree first */
static void
append_info(GString *out, StacdIoc *ioc)
{
	g_autoptr(GHashTable) info = stas_controller_get_info(STAS_CONTROLLER(ioc));

	stas_json_text_append_dict(out, info);
}

/* not upstream's: [controller_info of each], in list_controllers' order, so
 * that stacctl status makes one call instead of one per controller */
static char *
controllers_info(StacdBus *bus)
{
	g_autoptr(GPtrArray) iocs = stacd_service_get_iocs(bus->service);
	GString *out = g_string_sized_new(512 * (iocs->len + 1));

	g_string_append_c(out, '[');
	for (guint i = 0; i < iocs->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		append_info(out, g_ptr_array_index(iocs, i));
	}
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

/* (s) without g_variant_new()'s format parsing */
static void
return_string(GDBusMethodInvocation *invocation, const char *text)
{
	GVariant *reply = g_variant_new_string(text);

	g_dbus_method_invocation_return_value(invocation, g_variant_new_tuple(&reply, 1));
}

static void
debug_method_call(GDBusConnection *connection, const char *sender, const char *path,
		  const char *iface, const char *method, GVariant *params,
		  GDBusMethodInvocation *invocation, gpointer data)
{
	StacdBus *bus = data;

	if (g_str_equal(method, "process_info")) {
		g_autofree char *json = stacd_service_process_info(bus->service);

		g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
	} else if (g_str_equal(method, "controller_info")) {
		StacdIoc *ioc = lookup_ioc(bus, params);
		g_autoptr(GString) json = g_string_sized_new(1024);

		if (ioc)
			append_info(json, ioc);
		else
			g_string_append(json, "{}");
		return_string(invocation, json->str);
	} else if (g_str_equal(method, "controllers_info")) {
		g_autofree char *json = controllers_info(bus);

		return_string(invocation, json);
	} else {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD,
						      "No such method %s", method);
	}
}

static GVariant *
debug_get_property(GDBusConnection *connection, const char *sender, const char *path,
		   const char *iface, const char *prop, GError **error, gpointer data)
{
	if (g_str_equal(prop, "tron"))
		return g_variant_new_boolean(stas_log_get_tron());
	if (g_str_equal(prop, "log_level"))
		return g_variant_new_string(stas_log_level_name());
	g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", prop);
	return NULL;
}

/* B3: only root may set properties, whatever the bus policy allows */
static gboolean
sender_is_root(GDBusConnection *connection, const char *sender)
{
	g_autoptr(GVariant) reply = NULL;
	guint32 uid = G_MAXUINT32;

	if (sender == NULL) /* a peer-to-peer connection: no bus to ask */
		return FALSE;
	reply = g_dbus_connection_call_sync(
		connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"GetConnectionUnixUser", g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"),
		G_DBUS_CALL_FLAGS_NONE, 2000, NULL, NULL);
	if (reply)
		g_variant_get(reply, "(u)", &uid);
	return uid == 0;
}

static gboolean
debug_set_property(GDBusConnection *connection, const char *sender, const char *path,
		   const char *iface, const char *prop, GVariant *value, GError **error,
		   gpointer data)
{
	StacdBus *bus = data;

	if (!sender_is_root(connection, sender)) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "Only root may set %s",
			    prop);
		return FALSE;
	}
	if (!g_str_equal(prop, "tron")) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY,
			    "Property %s is read-only", prop);
		return FALSE;
	}
	stacd_service_set_tron(bus->service, g_variant_get_boolean(value));
	return TRUE;
}

static const GDBusInterfaceVTable debug_vtable = {
	debug_method_call, debug_get_property, debug_set_property, {0}};

/* ---- stafd: its log pages -------------------------------------------------- */

static void
stafd_fetch(gpointer source, GCancellable *cancellable, GAsyncReadyCallback callback,
	    gpointer user_data)
{
	StacdBus *bus = source;

	g_dbus_connection_call(bus->connection, STACD_STAFD_NAME, STACD_STAFD_PATH,
			       STACD_STAFD_IFACE, "get_all_log_pages", g_variant_new("(b)", TRUE),
			       G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
			       STACD_STAFD_TIMEOUT_MS, cancellable, callback, user_data);
}

/* the connection comes from the result: the bus may be gone by now */
static char *
stafd_fetch_finish(gpointer source, GAsyncResult *result, GError **error)
{
	g_autoptr(GObject) conn = g_async_result_get_source_object(result);
	g_autoptr(GVariant) reply = NULL;
	char *json = NULL;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(conn), result, error);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(s)", &json);
	return json;
}

static const StacdLogPagesSource stafd_source = {stafd_fetch, stafd_fetch_finish};

/* ---- stafd: presence and signals (REFERENCE 5.9.3) ------------------------- */

static void
on_stafd_signal(GDBusConnection *connection, const char *sender, const char *path,
		const char *iface, const char *signal, GVariant *params, gpointer data)
{
	StacdBus *bus = data;

	g_debug("stafd: %s", signal);
	stacd_service_stafd_changed(bus->service);
}

static void
stafd_unsubscribe(StacdBus *bus)
{
	if (bus->sub_changed)
		g_dbus_connection_signal_unsubscribe(bus->connection, bus->sub_changed);
	if (bus->sub_removed)
		g_dbus_connection_signal_unsubscribe(bus->connection, bus->sub_removed);
	bus->sub_changed = 0;
	bus->sub_removed = 0;
	g_clear_pointer(&bus->stafd_owner, g_free);
}

static guint
stafd_subscribe(StacdBus *bus, const char *member)
{
	/* the owner's unique name: nobody else can make stacd reconcile */
	return g_dbus_connection_signal_subscribe(
		bus->connection, bus->stafd_owner, STACD_STAFD_IFACE, member, STACD_STAFD_PATH,
		NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_stafd_signal, bus, NULL);
}

static void
on_stafd_appeared(GDBusConnection *connection, const char *name, const char *owner, gpointer data)
{
	StacdBus *bus = data;

	stafd_unsubscribe(bus);
	bus->stafd_owner = g_strdup(owner);
	bus->sub_changed = stafd_subscribe(bus, "log_pages_changed");
	bus->sub_removed = stafd_subscribe(bus, "dc_removed");
	if (bus->sub_changed == 0 || bus->sub_removed == 0)
		g_warning("Failed to connect to staf");
	stacd_service_stafd_appeared(bus->service);
}

static void
on_stafd_vanished(GDBusConnection *connection, const char *name, gpointer data)
{
	StacdBus *bus = data;

	stafd_unsubscribe(bus);
	stacd_service_stafd_vanished(bus->service);
}

/* ---- the name -------------------------------------------------------------- */

static void
on_name_lost(GDBusConnection *connection, const char *name, gpointer data)
{
	StacdBus *bus = data;

	g_warning("Lost (or could not get) the bus name %s", name);
	if (bus->name_lost)
		((void (*)(gpointer))bus->name_lost)(bus->user_data);
}

static void
on_name_acquired(GDBusConnection *connection, const char *name, gpointer data)
{
	g_message("Bus name %s acquired", name);
}

StacdBus *
stacd_bus_new(StacdService *service, GDBusConnection *connection, GCallback name_lost,
	      gpointer user_data, GError **error)
{
	g_autoptr(StacdBus) bus = g_new0(StacdBus, 1);

	bus->service = g_object_ref(service);
	bus->connection = g_object_ref(connection);
	bus->name_lost = name_lost;
	bus->user_data = user_data;
	/* the object first, then the name (REFERENCE 3.1) */
	bus->reg_main = g_dbus_connection_register_object(connection, STACD_BUS_PATH,
							  stas_dbus_stac_interface_info(),
							  &main_vtable, bus, NULL, error);
	if (bus->reg_main == 0)
		return NULL;
	bus->reg_debug = g_dbus_connection_register_object(connection, STACD_BUS_PATH,
							   stas_dbus_stac_debug_interface_info(),
							   &debug_vtable, bus, NULL, error);
	if (bus->reg_debug == 0)
		return NULL;
	bus->owner_id = g_bus_own_name_on_connection(connection, STACD_BUS_NAME,
						     G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
						     on_name_lost, bus, NULL);
	stacd_service_set_log_pages_source(service, &stafd_source, bus);
	bus->watch_id = g_bus_watch_name_on_connection(
		connection, STACD_STAFD_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE, on_stafd_appeared,
		on_stafd_vanished, bus, NULL);
	return g_steal_pointer(&bus);
}

void
stacd_bus_free(StacdBus *bus)
{
	if (bus == NULL)
		return;
	if (bus->watch_id)
		g_bus_unwatch_name(bus->watch_id);
	if (bus->connection)
		stafd_unsubscribe(bus);
	if (bus->service)
		stacd_service_set_log_pages_source(bus->service, NULL, NULL);
	if (bus->owner_id)
		g_bus_unown_name(bus->owner_id);
	if (bus->reg_main)
		g_dbus_connection_unregister_object(bus->connection, bus->reg_main);
	if (bus->reg_debug)
		g_dbus_connection_unregister_object(bus->connection, bus->reg_debug);
	g_clear_object(&bus->service);
	g_clear_object(&bus->connection);
	g_free(bus);
}
