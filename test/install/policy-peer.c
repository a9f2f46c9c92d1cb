/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-peer: a stand-in for stafd/stacd on a private bus, to test the
 * D-Bus policy files (REFERENCE 3.7) with real credentials.
 *
 *   policy-peer [--once] ADDRESS NAME OBJECT-PATH
 *
 * connects to ADDRESS, exports OBJECT-PATH with the interfaces NAME (method
 * "ping") and NAME.debug (read-write property "tron"), and asks for NAME.
 * prints "owned" and serves until SIGTERM (with --once: exits 0 at once);
 * exit 3 if the bus denied the name (AccessDenied: the policy), 1 on any
 * other error.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define EXIT_DENIED 3

typedef struct {
	GMainLoop *loop;
	gboolean tron;
} Peer;

static void
on_method_call(GDBusConnection *connection, const char *sender, const char *path, const char *iface,
	       const char *method, GVariant *params, GDBusMethodInvocation *invocation,
	       gpointer data)
{
	g_dbus_method_invocation_return_value(invocation, g_variant_new("(s)", "pong"));
}

static GVariant *
on_get_property(GDBusConnection *connection, const char *sender, const char *path,
		const char *iface, const char *name, GError **error, gpointer data)
{
	Peer *peer = data;

	return g_variant_new_boolean(peer->tron);
}

static gboolean
on_set_property(GDBusConnection *connection, const char *sender, const char *path,
		const char *iface, const char *name, GVariant *value, GError **error, gpointer data)
{
	Peer *peer = data;

	peer->tron = g_variant_get_boolean(value);
	return TRUE;
}

static const GDBusInterfaceVTable vtable = {
	.method_call = on_method_call,
	.get_property = on_get_property,
	.set_property = on_set_property,
};

static gboolean
on_sigterm(gpointer data)
{
	Peer *peer = data;

	g_main_loop_quit(peer->loop);
	return G_SOURCE_REMOVE;
}

static GDBusNodeInfo *
node_info(const char *name, GError **error)
{
	g_autofree char *xml = g_strdup_printf(
		"<node><interface name='%s'><method name='ping'>"
		"<arg direction='out' type='s'/></method></interface>"
		"<interface name='%s.debug'><property name='tron' type='b' access='readwrite'/>"
		"</interface></node>",
		name, name);

	return g_dbus_node_info_new_for_xml(xml, error);
}

static gboolean
export_object(GDBusConnection *bus, const char *name, const char *path, Peer *peer, GError **error)
{
	g_autoptr(GDBusNodeInfo) info = node_info(name, error);

	if (info == NULL)
		return FALSE;
	for (guint i = 0; info->interfaces[i]; i++)
		if (g_dbus_connection_register_object(bus, path, info->interfaces[i], &vtable, peer,
						      NULL, error) == 0)
			return FALSE;
	return TRUE;
}

/* RequestName without queueing; FALSE with the bus's error if refused */
static gboolean
request_name(GDBusConnection *bus, const char *name, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	guint32 result = 0;

	reply = g_dbus_connection_call_sync(
		bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
		"RequestName", g_variant_new("(su)", name, 4 /* DO_NOT_QUEUE */),
		G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	if (reply == NULL)
		return FALSE;
	g_variant_get(reply, "(u)", &result);
	if (result != 1 /* PRIMARY_OWNER */) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "RequestName returned %u",
			    result);
		return FALSE;
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	Peer peer = {loop, FALSE};
	gboolean once = argc > 1 && g_str_equal(argv[1], "--once");

	if (once) {
		argc--;
		argv++;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: policy-peer [--once] ADDRESS NAME OBJECT-PATH\n");
		return EXIT_FAILURE;
	}
	bus = g_dbus_connection_new_for_address_sync(
		argv[1],
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL, NULL, &error);
	if (bus == NULL || !export_object(bus, argv[2], argv[3], &peer, &error)) {
		fprintf(stderr, "policy-peer: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (!request_name(bus, argv[2], &error)) {
		g_autofree char *remote = g_dbus_error_get_remote_error(error);

		g_dbus_error_strip_remote_error(error);
		if (g_strcmp0(remote, "org.freedesktop.DBus.Error.AccessDenied") != 0) {
			fprintf(stderr, "policy-peer: %s\n", error->message);
			return EXIT_FAILURE;
		}
		printf("denied: %s\n", error->message);
		return EXIT_DENIED;
	}
	printf("owned\n");
	fflush(stdout);
	if (once)
		return EXIT_SUCCESS;
	g_unix_signal_add(SIGTERM, on_sigterm, &peer);
	g_main_loop_run(loop);
	return EXIT_SUCCESS;
}
