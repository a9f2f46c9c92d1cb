/* SPDX-License-Identifier: Apache-2.0 */
/* stafd's D-Bus objects: the wire side of the service */
#include "config.h"

#include "stafd-bus.h"

#include "stas-staf-dbus.h"
#include "stas/stas-daemon.h"
#include "stas/stas-error.h"
#include "stas/stas-json-text.h"
#include "stas/stas-log.h"

struct _StafdBus {
	StafdService *service;
	GDBusConnection *connection;
	guint reg_main;
	guint reg_debug;
	guint owner_id;
	gulong sig_changed;
	gulong sig_removed;
	GCallback name_lost;
	gpointer user_data;
};

/* ---- wire types ---------------------------------------------------------- */

static GHashTable *
dc_dict(StafdDc *dc, gboolean detailed)
{
	StasController *ctrl = STAS_CONTROLLER(dc);

	return detailed ? stas_controller_get_details(ctrl) : stas_controller_get_id_dict(ctrl);
}

static GVariant *
log_pages_variant(StafdDc *dc)
{
	GPtrArray *entries = dc ? stafd_dc_get_log_pages(dc) : NULL;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
	for (guint i = 0; entries && i < entries->len; i++) {
		g_autoptr(GHashTable) d = stas_dlpe_to_map(g_ptr_array_index(entries, i));

		g_variant_builder_add_value(&b, stas_daemon_dict_to_variant(d));
	}
	return g_variant_builder_end(&b);
}

/* json_to_string(root, FALSE) of the list upstream's D-Bus API sends */
static char *
all_log_pages_json(StafdBus *bus, gboolean detailed)
{
	g_autoptr(GPtrArray) dcs = stafd_service_get_dcs(bus->service);
	GString *out = g_string_sized_new(4096);

	g_string_append_c(out, '[');
	for (guint i = 0; i < dcs->len; i++) {
		StafdDc *dc = g_ptr_array_index(dcs, i);
		g_autoptr(GHashTable) d = dc_dict(dc, detailed);
		GPtrArray *entries = stafd_dc_get_log_pages(dc);

		if (i)
			g_string_append_c(out, ',');
		g_string_append(out, "{\"discovery-controller\":");
		stas_json_text_append_dict(out, d);
		g_string_append(out, ",\"log-pages\":[");
		for (guint j = 0; j < entries->len; j++) {
			g_autoptr(GHashTable) e = stas_dlpe_to_map(g_ptr_array_index(entries, j));

			if (j)
				g_string_append_c(out, ',');
			stas_json_text_append_dict(out, e);
		}
		g_string_append(out, "]}");
	}
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

/* the DC named by the seven identity strings of a call (REFERENCE 3.3) */
static StafdDc *
lookup_dc(StafdBus *bus, GVariant *params)
{
	const char *f[7];
	StasTidDefaults defaults;
	g_autoptr(StasTid) tid = NULL;

	g_variant_get(params, "(&s&s&s&s&s&s&s)", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]);
	stafd_service_get_tid_defaults(bus->service, &defaults);
	tid = stas_tid_new(f[0], f[1], f[2], f[3], f[4], f[5], f[6], &defaults);
	return stafd_service_find_dc(bus->service, tid);
}

/* ---- org.nvmexpress.staf ------------------------------------------------- */

static void
main_method_call(GDBusConnection *connection, const char *sender, const char *path,
		 const char *iface, const char *method, GVariant *params,
		 GDBusMethodInvocation *invocation, gpointer data)
{
	StafdBus *bus = data;

	if (g_str_equal(method, "list_controllers")) {
		g_autoptr(GPtrArray) dcs = stafd_service_get_dcs(bus->service);
		GVariantBuilder b;
		gboolean detailed;

		g_variant_get(params, "(b)", &detailed);
		g_variant_builder_init(&b, G_VARIANT_TYPE("aa{ss}"));
		for (guint i = 0; i < dcs->len; i++) {
			g_autoptr(GHashTable) d = dc_dict(g_ptr_array_index(dcs, i), detailed);

			g_variant_builder_add_value(&b, stas_daemon_dict_to_variant(d));
		}
		g_dbus_method_invocation_return_value(invocation, g_variant_new("(aa{ss})", &b));
	} else if (g_str_equal(method, "get_log_pages")) {
		StafdDc *dc = lookup_dc(bus, params);

		g_dbus_method_invocation_return_value(
			invocation, g_variant_new_tuple((GVariant *[]){log_pages_variant(dc)}, 1));
	} else if (g_str_equal(method, "get_all_log_pages")) {
		gboolean detailed;
		g_autofree char *json = NULL;

		g_variant_get(params, "(b)", &detailed);
		json = all_log_pages_json(bus, detailed);
		g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
	} else {
		g_dbus_method_invocation_return_error(invocation, G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD,
						      "No such method %s", method);
	}
}

static const GDBusInterfaceVTable main_vtable = {main_method_call, NULL, NULL, {0}};

/* ---- org.nvmexpress.staf.debug ------------------------------------------- */

static void
debug_method_call(GDBusConnection *connection, const char *sender, const char *path,
		  const char *iface, const char *method, GVariant *params,
		  GDBusMethodInvocation *invocation, gpointer data)
{
	StafdBus *bus = data;

	if (g_str_equal(method, "process_info")) {
		g_autofree char *json = stafd_service_process_info(bus->service);

		g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", json));
	} else if (g_str_equal(method, "controller_info")) {
		StafdDc *dc = lookup_dc(bus, params);
		g_autoptr(GHashTable) info =
			dc ? stas_controller_get_info(STAS_CONTROLLER(dc)) : NULL;
		g_autofree char *json = NULL;

		if (info) {
			GString *out = g_string_sized_new(1024);

			stas_json_text_append_dict(out, info);
			json = g_string_free(out, FALSE);
		}
		g_dbus_method_invocation_return_value(invocation,
						      g_variant_new("(s)", json ? json : "{}"));
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
	StafdBus *bus = data;

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
	stafd_service_set_tron(bus->service, g_variant_get_boolean(value));
	return TRUE;
}

static const GDBusInterfaceVTable debug_vtable = {
	debug_method_call, debug_get_property, debug_set_property, {0}};

/* ---- signals --------------------------------------------------------------- */

static void
on_log_pages_changed(StafdService *service, StafdDc *dc, gpointer data)
{
	StafdBus *bus = data;
	StasTid *t = stas_controller_get_tid(STAS_CONTROLLER(dc));
	const char *dev = stas_controller_get_device_name(STAS_CONTROLLER(dc));

	g_dbus_connection_emit_signal(
		bus->connection, NULL, STAFD_BUS_PATH, STAFD_BUS_NAME, "log_pages_changed",
		g_variant_new("(ssssssss)", t->transport, t->traddr, t->trsvcid, t->subsysnqn,
			      t->host_traddr, t->host_iface, t->host_nqn, dev),
		NULL);
}

static void
on_dc_removed(StafdService *service, gpointer data)
{
	StafdBus *bus = data;

	g_dbus_connection_emit_signal(bus->connection, NULL, STAFD_BUS_PATH, STAFD_BUS_NAME,
				      "dc_removed", NULL, NULL);
}

static void
on_name_lost(GDBusConnection *connection, const char *name, gpointer data)
{
	StafdBus *bus = data;

	g_warning("Lost (or could not get) the bus name %s", name);
	if (bus->name_lost)
		((void (*)(gpointer))bus->name_lost)(bus->user_data);
}

static void
on_name_acquired(GDBusConnection *connection, const char *name, gpointer data)
{
	g_message("Bus name %s acquired", name);
}

StafdBus *
stafd_bus_new(StafdService *service, GDBusConnection *connection, GCallback name_lost,
	      gpointer user_data, GError **error)
{
	g_autoptr(StafdBus) bus = g_new0(StafdBus, 1);

	bus->service = g_object_ref(service);
	bus->connection = g_object_ref(connection);
	bus->name_lost = name_lost;
	bus->user_data = user_data;
	/* the object first, then the name (REFERENCE 3.1) */
	bus->reg_main = g_dbus_connection_register_object(connection, STAFD_BUS_PATH,
							  stas_dbus_staf_interface_info(),
							  &main_vtable, bus, NULL, error);
	if (bus->reg_main == 0)
		return NULL;
	bus->reg_debug = g_dbus_connection_register_object(connection, STAFD_BUS_PATH,
							   stas_dbus_staf_debug_interface_info(),
							   &debug_vtable, bus, NULL, error);
	if (bus->reg_debug == 0)
		return NULL;
	bus->sig_changed = g_signal_connect(service, "log-pages-changed",
					    G_CALLBACK(on_log_pages_changed), bus);
	bus->sig_removed = g_signal_connect(service, "dc-removed", G_CALLBACK(on_dc_removed), bus);
	bus->owner_id = g_bus_own_name_on_connection(connection, STAFD_BUS_NAME,
						     G_BUS_NAME_OWNER_FLAGS_NONE, on_name_acquired,
						     on_name_lost, bus, NULL);
	return g_steal_pointer(&bus);
}

void
stafd_bus_free(StafdBus *bus)
{
	if (bus == NULL)
		return;
	if (bus->owner_id)
		g_bus_unown_name(bus->owner_id);
	if (bus->reg_main)
		g_dbus_connection_unregister_object(bus->connection, bus->reg_main);
	if (bus->reg_debug)
		g_dbus_connection_unregister_object(bus->connection, bus->reg_debug);
	g_clear_signal_handler(&bus->sig_changed, bus->service);
	g_clear_signal_handler(&bus->sig_removed, bus->service);
	g_clear_object(&bus->service);
	g_clear_object(&bus->connection);
	g_free(bus);
}
