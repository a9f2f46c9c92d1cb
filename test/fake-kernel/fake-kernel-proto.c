/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "stas/stas-error.h"

#include "fake-kernel-proto.h"

#define READ_CHUNK (64 * 1024)

FkConn *
fk_conn_new(int fd)
{
	FkConn *conn = g_new0(FkConn, 1);

	conn->fd = fd;
	conn->buf = g_string_sized_new(READ_CHUNK);
	return conn;
}

void
fk_conn_free(FkConn *conn)
{
	if (conn == NULL)
		return;
	if (conn->fd >= 0)
		close(conn->fd);
	g_string_free(conn->buf, TRUE);
	g_free(conn);
}

static StasErrorCode
connect_errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
		return STAS_ERROR_NOT_FOUND;
	case EACCES:
	case EPERM:
		return STAS_ERROR_PERMISSION;
	default:
		return STAS_ERROR_IO;
	}
}

FkConn *
fk_conn_connect(const char *path, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (path == NULL || *path == '\0' || strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "fake kernel: no usable socket path (set " FK_SOCKET_ENV ")");
		return NULL;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, STAS_ERROR, connect_errno_code(err), "fake kernel at %s: %s",
			    path, g_strerror(err));
		return NULL;
	}
	return fk_conn_new(fd);
}

gboolean
fk_conn_write_line(FkConn *conn, const char *text, GError **error)
{
	g_autofree char *line = g_strconcat(text, "\n", NULL);
	gsize len = strlen(line);
	gsize done = 0;

	while (done < len) {
		/* MSG_NOSIGNAL: a peer that went away is an error, not a signal */
		ssize_t n = send(conn->fd, line + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "fake kernel: write: %s",
				    g_strerror(errno));
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

gboolean
fk_conn_send(FkConn *conn, JsonObject *obj, GError **error)
{
	g_autofree char *text = fk_json_to_line(obj);

	return fk_conn_write_line(conn, text, error);
}

char *
fk_conn_take_line(FkConn *conn)
{
	const char *begin = conn->buf->str + conn->start;
	const char *nl = memchr(begin, '\n', conn->buf->len - conn->start);
	char *line;

	if (nl == NULL) {
		/* keep the unread tail at the front: the buffer stays small */
		if (conn->start > 0) {
			g_string_erase(conn->buf, 0, (gssize)conn->start);
			conn->start = 0;
		}
		return NULL;
	}
	line = g_strndup(begin, (gsize)(nl - begin));
	conn->start += (gsize)(nl - begin) + 1;
	if (conn->start == conn->buf->len) {
		g_string_truncate(conn->buf, 0);
		conn->start = 0;
	}
	return line;
}

gssize
fk_conn_fill(FkConn *conn)
{
	gsize old = conn->buf->len;
	ssize_t n;

	if (old - conn->start >= FK_LINE_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	g_string_set_size(conn->buf, old + READ_CHUNK);
	n = read(conn->fd, conn->buf->str + old, READ_CHUNK);
	g_string_set_size(conn->buf, old + (n > 0 ? (gsize)n : 0));
	return n;
}

char *
fk_conn_read_line(FkConn *conn, GError **error)
{
	for (;;) {
		char *line = fk_conn_take_line(conn);
		gssize n;

		if (line != NULL)
			return line;
		n = fk_conn_fill(conn);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			g_set_error(error, STAS_ERROR, STAS_ERROR_IO,
				    "fake kernel: connection closed");
		else
			g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "fake kernel: read: %s",
				    g_strerror(errno));
		return NULL;
	}
}

JsonObject *
fk_json_parse_object(const char *line, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) local = NULL;
	JsonNode *root;

	if (!json_parser_load_from_data(parser, line, -1, &local)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "fake kernel: bad JSON: %s",
			    local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
			    "fake kernel: a line is not a JSON object");
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

JsonObject *
fk_conn_recv(FkConn *conn, GError **error)
{
	g_autofree char *line = fk_conn_read_line(conn, error);

	return line ? fk_json_parse_object(line, error) : NULL;
}

char *
fk_json_to_line(JsonObject *obj)
{
	g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), obj);

	return json_to_string(node, FALSE);
}

JsonObject *
fk_request_new(const char *op)
{
	JsonObject *obj = json_object_new();

	json_object_set_string_member(obj, "op", op);
	return obj;
}

JsonObject *
fk_call(const char *path, JsonObject *req, GError **error)
{
	g_autoptr(FkConn) conn = fk_conn_connect(path, error);

	if (conn == NULL || !fk_conn_send(conn, req, error))
		return NULL;
	return fk_conn_recv(conn, error);
}

/* ------------------------------------------------------------------------ */
/* typed members                                                             */

static JsonNode *
member(JsonObject *obj, const char *key)
{
	return obj != NULL && json_object_has_member(obj, key) ? json_object_get_member(obj, key)
							       : NULL;
}

const char *
fk_get_str(JsonObject *obj, const char *key)
{
	JsonNode *n = member(obj, key);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

gint64
fk_get_int(JsonObject *obj, const char *key, gint64 def)
{
	JsonNode *n = member(obj, key);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_INT64)
		return def;
	return json_node_get_int(n);
}

gboolean
fk_get_bool(JsonObject *obj, const char *key, gboolean def)
{
	JsonNode *n = member(obj, key);

	if (n == NULL || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
		return def;
	return json_node_get_boolean(n);
}

JsonObject *
fk_get_obj(JsonObject *obj, const char *key)
{
	JsonNode *n = member(obj, key);

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonArray *
fk_get_array(JsonObject *obj, const char *key)
{
	JsonNode *n = member(obj, key);

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

gboolean
fk_response_ok(JsonObject *resp, int *err_no)
{
	if (fk_get_bool(resp, "ok", FALSE))
		return TRUE;
	if (err_no != NULL)
		*err_no = (int)fk_get_int(resp, "errno", EIO);
	return FALSE;
}
