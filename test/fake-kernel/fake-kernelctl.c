/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernelctl: drive the fake kernel from test scripts (README.md).
 *
 *   fake-kernelctl [--socket PATH] [--wait SECS] OP [JSON-ARGS]
 *   fake-kernelctl [--socket PATH] watch
 *
 * prints the response as one JSON line; exit 0 if it says ok, 1 if not
 * (its error on stderr), 2 if the fake kernel cannot be reached.  "watch"
 * prints every uevent line until interrupted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fake-kernel-proto.h"

/* connect, retrying for up to wait seconds while the daemon starts */
static FkConn *
connect_waiting(const char *path, int wait, GError **error)
{
	gint64 until = g_get_monotonic_time() + (gint64)wait * G_USEC_PER_SEC;

	for (;;) {
		FkConn *conn = fk_conn_connect(path, error);

		if (conn != NULL || g_get_monotonic_time() >= until)
			return conn;
		g_clear_error(error);
		g_usleep(20 * 1000);
	}
}

static int
watch(FkConn *conn)
{
	g_autoptr(JsonObject) req = fk_request_new("subscribe");
	g_autoptr(GError) error = NULL;
	char *line;

	if (!fk_conn_send(conn, req, &error)) {
		fprintf(stderr, "fake-kernelctl: %s\n", error->message);
		return 2;
	}
	/* the first line is the answer {"ok":true}, then one uevent per line */
	while ((line = fk_conn_read_line(conn, &error)) != NULL) {
		printf("%s\n", line);
		fflush(stdout);
		g_free(line);
	}
	fprintf(stderr, "fake-kernelctl: %s\n", error->message);
	return 2;
}

static int
request(FkConn *conn, const char *op, const char *args)
{
	g_autoptr(JsonObject) req = NULL;
	g_autoptr(JsonObject) resp = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;

	req = args ? fk_json_parse_object(args, &error) : json_object_new();
	if (req == NULL) {
		fprintf(stderr, "fake-kernelctl: arguments: %s\n", error->message);
		return 2;
	}
	json_object_set_string_member(req, "op", op);
	if (!fk_conn_send(conn, req, &error) || (resp = fk_conn_recv(conn, &error)) == NULL) {
		fprintf(stderr, "fake-kernelctl: %s\n", error->message);
		return 2;
	}
	text = fk_json_to_line(resp);
	printf("%s\n", text);
	if (fk_response_ok(resp, NULL))
		return 0;
	fprintf(stderr, "fake-kernelctl: %s: %s\n", op,
		fk_get_str(resp, "error") ? fk_get_str(resp, "error") : "failed");
	return 1;
}

int
main(int argc, char **argv)
{
	g_autofree char *path = NULL;
	int wait = 0;
	GOptionEntry entries[] = {
		{"socket", 's', 0, G_OPTION_ARG_FILENAME, &path,
		 "the fake kernel (default: $" FK_SOCKET_ENV ")", "PATH"},
		{"wait", 'w', 0, G_OPTION_ARG_INT, &wait, "retry connecting for SECS", "SECS"},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("OP [JSON-ARGS] - drive the fake kernel");
	g_autoptr(GError) error = NULL;
	g_autoptr(FkConn) conn = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2 || argc > 3) {
		fprintf(stderr, "fake-kernelctl: %s\n",
			error ? error->message : "usage: fake-kernelctl OP [JSON-ARGS]");
		return 2;
	}
	if (path == NULL)
		path = g_strdup(g_getenv(FK_SOCKET_ENV));
	conn = connect_waiting(path, wait, &error);
	if (conn == NULL) {
		fprintf(stderr, "fake-kernelctl: %s\n", error->message);
		return 2;
	}
	if (g_strcmp0(argv[1], "watch") == 0)
		return watch(conn);
	return request(conn, argv[1], argc == 3 ? argv[2] : NULL);
}
