/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvme-dc-emuctl: send one request to a DC emulator's control socket
 * (README.md), for test scripts.
 *
 *   nvme-dc-emuctl [--socket PATH] [--wait SECS] OP [JSON-ARGS]
 *
 * the socket defaults to $DC_EMU_CONTROL.  JSON-ARGS is an object whose
 * members join the request {"op": OP}.  prints the response line; exit 0 if
 * it says ok, 1 if not (its error also on stderr), 2 if the emulator cannot
 * be reached or the arguments are wrong.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>

static GSocketConnection *
connect_waiting(const char *path, int wait, GError **error)
{
	gint64 until = g_get_monotonic_time() + (gint64)wait * G_USEC_PER_SEC;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);

	for (;;) {
		GSocketConnection *conn =
			g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, error);

		if (conn != NULL || g_get_monotonic_time() >= until)
			return conn;
		g_clear_error(error);
		g_usleep(20 * 1000);
	}
}

/* {"op": op} plus the members of args */
static char *
request_line(const char *op, const char *args, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonNode) node = NULL;
	JsonObject *req;

	if (!json_parser_load_from_data(parser, args != NULL ? args : "{}", -1, error))
		return NULL;
	if (json_parser_get_root(parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "arguments must be a JSON object");
		return NULL;
	}
	node = json_node_copy(json_parser_get_root(parser));
	req = json_node_get_object(node);
	json_object_set_string_member(req, "op", op);
	return json_to_string(node, FALSE);
}

/* 0: ok, 1: the response says not ok */
static int
verdict(const char *line)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *resp;

	if (!json_parser_load_from_data(parser, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return 1;
	resp = json_node_get_object(json_parser_get_root(parser));
	if (json_object_get_boolean_member_with_default(resp, "ok", FALSE))
		return 0;
	fprintf(stderr, "nvme-dc-emuctl: %s\n",
		json_object_get_string_member_with_default(resp, "error", "failed"));
	return 1;
}

int
main(int argc, char **argv)
{
	g_autofree char *path = NULL;
	int wait = 0;
	const GOptionEntry entries[] = {
		{"socket", 0, 0, G_OPTION_ARG_FILENAME, &path, "control socket", "PATH"},
		{"wait", 0, 0, G_OPTION_ARG_INT, &wait, "retry connecting for SECS", "SECS"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("OP [JSON-ARGS]");
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autofree char *req = NULL;
	g_autofree char *resp = NULL;
	GOutputStream *out;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2 || argc > 3) {
		fprintf(stderr,
			"usage: nvme-dc-emuctl [--socket PATH] [--wait SECS] OP [JSON]%s%s\n",
			error ? ": " : "", error ? error->message : "");
		return 2;
	}
	if (path == NULL)
		path = g_strdup(g_getenv("DC_EMU_CONTROL"));
	req = request_line(argv[1], argc > 2 ? argv[2] : NULL, &error);
	if (path == NULL || req == NULL) {
		fprintf(stderr, "nvme-dc-emuctl: %s\n",
			req == NULL ? error->message : "no --socket and no $DC_EMU_CONTROL");
		return 2;
	}
	conn = connect_waiting(path, wait, &error);
	out = conn != NULL ? g_io_stream_get_output_stream(G_IO_STREAM(conn)) : NULL;
	if (conn == NULL || !g_output_stream_write_all(out, req, strlen(req), NULL, NULL, &error) ||
	    !g_output_stream_write_all(out, "\n", 1, NULL, NULL, &error)) {
		fprintf(stderr, "nvme-dc-emuctl: %s: %s\n", path, error->message);
		return 2;
	}
	in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	resp = g_data_input_stream_read_line(in, NULL, NULL, &error);
	if (resp == NULL) {
		fprintf(stderr, "nvme-dc-emuctl: %s: %s\n", path,
			error ? error->message : "no answer");
		return 2;
	}
	printf("%s\n", resp);
	return verdict(resp);
}
