/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kernel-proto: the line protocol of the fake kernel (README.md): one
 * JSON object per line over a unix stream socket, a request then its
 * response; a subscription connection then carries one uevent per line.
 *
 * blocking I/O on plain fds (the fake seam runs in worker threads, the
 * server in one thread per connection).  an FkConn belongs to one thread
 * at a time.  writes never raise SIGPIPE.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* the environment variable naming the socket; read by the fake seam and the tools only */
#define FK_SOCKET_ENV "STAS_FAKE_KERNEL"

/* longest line either side accepts (a list of 10 000 controllers fits) */
#define FK_LINE_MAX (64 * 1024 * 1024)

typedef struct {
	int fd;
	GString *buf; /* bytes read, not yet returned */
	gsize start;  /* of the first unreturned byte in buf */
} FkConn;

/* connect to the socket at path (STAS_ERROR_NOT_FOUND, _PERMISSION or _IO) */
FkConn *fk_conn_connect(const char *path, GError **error);
/* wrap an fd (taken: closed by fk_conn_free) */
FkConn *fk_conn_new(int fd);
void fk_conn_free(FkConn *conn);

/* write text and a newline; text must hold no newline */
gboolean fk_conn_write_line(FkConn *conn, const char *text, GError **error);
gboolean fk_conn_send(FkConn *conn, JsonObject *obj, GError **error);

/* the next complete line already buffered (newline cut), or NULL: never reads */
char *fk_conn_take_line(FkConn *conn);
/* one read() into the buffer: bytes read, 0 at EOF, -1 with errno (EAGAIN too) */
gssize fk_conn_fill(FkConn *conn);
/* the next line, blocking; NULL at EOF or on error (error set for both) */
char *fk_conn_read_line(FkConn *conn, GError **error);
/* the next line as a JSON object */
JsonObject *fk_conn_recv(FkConn *conn, GError **error);

/* a JSON object from one line, or NULL (STAS_ERROR_INVALID) */
JsonObject *fk_json_parse_object(const char *line, GError **error);
/* one line of JSON (no newline) */
char *fk_json_to_line(JsonObject *obj);

/* a new request object {"op": op} */
JsonObject *fk_request_new(const char *op);

/*
 * send req and read its response on a new connection to path.  returns the
 * response whatever its "ok" says; NULL (error set) only when the fake
 * kernel could not be reached or answered garbage.
 */
JsonObject *fk_call(const char *path, JsonObject *req, GError **error);

/* typed members: NULL / def when absent or of another type */
const char *fk_get_str(JsonObject *obj, const char *key);
gint64 fk_get_int(JsonObject *obj, const char *key, gint64 def);
gboolean fk_get_bool(JsonObject *obj, const char *key, gboolean def);
JsonObject *fk_get_obj(JsonObject *obj, const char *key);
JsonArray *fk_get_array(JsonObject *obj, const char *key);

/* a response's verdict: TRUE for {"ok": true}; else *err_no gets its errno (EIO if none) */
gboolean fk_response_ok(JsonObject *resp, int *err_no);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FkConn, fk_conn_free)

G_END_DECLS
