/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dc-emu-control: the control socket of the DC emulator (dc-emu-control.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "stas/stas-error.h"

#include "dc-emu-control.h"
#include "dc-emu-entry.h"
#include "dc-emu-log.h"

struct _DceControl {
	DceState *state;
	DceServer *srv;
	char *path;
	GSocketService *service;
	GCancellable *cancel; /* pending reads of the clients */
};

typedef struct {
	DceControl *ctl;
	GSocketConnection *conn;
	GDataInputStream *in;
} Client;

/* a handler fills resp, or sets error */
typedef gboolean (*Handler)(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp,
			    GError **error);

/* ------------------------------------------------------------------------ */
/* request members                                                           */

static JsonNode *
member(JsonObject *o, const char *key)
{
	return json_object_has_member(o, key) ? json_object_get_member(o, key) : NULL;
}

static gboolean
opt_bool(JsonObject *o, const char *key, gboolean def, gboolean *out, GError **error)
{
	JsonNode *n = member(o, key);

	*out = def;
	if (n == NULL)
		return TRUE;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s must be a boolean", key);
		return FALSE;
	}
	*out = json_node_get_boolean(n);
	return TRUE;
}

static JsonObject *
need_object(JsonObject *o, const char *key, GError **error)
{
	JsonNode *n = member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_OBJECT(n)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s must be an object", key);
		return NULL;
	}
	return json_node_get_object(n);
}

static JsonArray *
need_array(JsonObject *o, const char *key, GError **error)
{
	JsonNode *n = member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_ARRAY(n)) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID, "%s must be an array", key);
		return NULL;
	}
	return json_node_get_array(n);
}

/* the entries changed: genctr moves on and, unless notify is false, AENs go out */
static gboolean
entries_changed(DceState *s, JsonObject *req, JsonObject *resp, GError **error)
{
	gboolean notify;

	if (!opt_bool(req, "notify", TRUE, &notify, error))
		return FALSE;
	if (notify)
		json_object_set_int_member(resp, "notified", dce_state_log_changed(s));
	else
		s->genctr++;
	json_object_set_int_member(resp, "genctr", (gint64)s->genctr);
	return TRUE;
}

/* ------------------------------------------------------------------------ */
/* ops                                                                       */

static gboolean
op_ping(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	return TRUE;
}

static gboolean
op_status(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	json_object_set_object_member(resp, "status", dce_state_status(s));
	return TRUE;
}

static gboolean
op_list_entries(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	json_object_set_array_member(resp, "entries", dce_state_entries_json(s));
	json_object_set_int_member(resp, "genctr", (gint64)s->genctr);
	return TRUE;
}

static gboolean
op_set_entries(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	JsonArray *a = need_array(req, "entries", error);
	g_autoptr(GPtrArray) entries = NULL;

	if (a == NULL)
		return FALSE;
	entries = g_ptr_array_new_with_free_func((GDestroyNotify)dce_entry_free);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *n = json_array_get_element(a, i);
		DceEntry *e = JSON_NODE_HOLDS_OBJECT(n)
				      ? dce_entry_from_json(json_node_get_object(n), error)
				      : NULL;

		if (e == NULL) {
			if (error != NULL && *error == NULL)
				g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
					    "entries[%u] is not an object", i);
			else
				g_prefix_error(error, "entries[%u]: ", i);
			return FALSE;
		}
		g_ptr_array_add(entries, e);
	}
	g_ptr_array_unref(s->entries);
	s->entries = g_steal_pointer(&entries);
	return entries_changed(s, req, resp, error);
}

static gboolean
op_add_entry(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	JsonObject *o = need_object(req, "entry", error);
	DceEntry *e = o != NULL ? dce_entry_from_json(o, error) : NULL;

	if (e == NULL)
		return FALSE;
	g_ptr_array_add(s->entries, e);
	return entries_changed(s, req, resp, error);
}

/* entries to remove: "index" or every one equal to "match" */
static gboolean
op_remove_entry(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	JsonNode *index = member(req, "index");
	JsonObject *match = index == NULL ? need_object(req, "match", error) : NULL;
	guint removed = 0;

	if (index != NULL) {
		gint64 i = JSON_NODE_HOLDS_VALUE(index) &&
					   json_node_get_value_type(index) == G_TYPE_INT64
				   ? json_node_get_int(index)
				   : -1;

		if (i < 0 || i >= s->entries->len) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_NOT_FOUND,
				    "no entry %" G_GINT64_FORMAT, i);
			return FALSE;
		}
		g_ptr_array_remove_index(s->entries, (guint)i);
		removed = 1;
	} else if (match == NULL) {
		g_prefix_error(error, "index or ");
		return FALSE;
	}
	for (guint i = s->entries->len; match != NULL && i > 0; i--) {
		if (dce_entry_matches(g_ptr_array_index(s->entries, i - 1), match, error)) {
			g_ptr_array_remove_index(s->entries, i - 1);
			removed++;
		} else if (error != NULL && *error != NULL) {
			return FALSE;
		}
	}
	if (removed == 0) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_NOT_FOUND, "no entry matches");
		return FALSE;
	}
	json_object_set_int_member(resp, "removed", removed);
	return entries_changed(s, req, resp, error);
}

static gboolean
op_fire_aen(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	gboolean force;

	if (!opt_bool(req, "force", FALSE, &force, error))
		return FALSE;
	json_object_set_int_member(resp, "notified", dce_state_fire_aen(s, force));
	return TRUE;
}

static gboolean
op_list_registrations(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp,
		      GError **error)
{
	json_object_set_array_member(resp, "registrations", dce_state_registrations_json(s));
	json_object_set_int_member(resp, "dim_count", s->dim_count);
	return TRUE;
}

static gboolean
op_clear_registrations(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp,
		       GError **error)
{
	g_ptr_array_set_size(s->registrations, 0);
	s->dim_count = 0;
	return TRUE;
}

static gboolean
op_list_connections(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	g_autoptr(JsonObject) status = dce_state_status(s);

	json_object_set_member(resp, "connections",
			       json_node_copy(json_object_get_member(status, "connections")));
	return TRUE;
}

static gboolean
op_malform(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	JsonArray *a = need_array(req, "modes", error);
	guint modes = 0;
	gboolean notify;

	if (a == NULL || !opt_bool(req, "notify", FALSE, &notify, error))
		return FALSE;
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *n = json_array_get_element(a, i);
		const char *name =
			JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
				? json_node_get_string(n)
				: NULL;
		DceMalform m = dce_malform_from_name(name);

		if (m == 0) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "modes[%u] is not a malformed mode", i);
			return FALSE;
		}
		modes |= m;
	}
	s->malform = modes;
	if (notify)
		json_object_set_int_member(resp, "notified", dce_state_log_changed(s));
	return TRUE;
}

static gboolean
op_stall(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	gboolean on, keep;

	if (!opt_bool(req, "on", TRUE, &on, error) || !opt_bool(req, "keep", FALSE, &keep, error))
		return FALSE;
	s->stalled = on;
	g_message("%s", s->stalled ? "stalled: nothing is answered" : "answering again");
	if (!s->stalled && !keep && srv != NULL)
		json_object_set_int_member(resp, "dropped", dce_server_drop_stalled(srv));
	return TRUE;
}

/* run-time changes of the controller's identity: new associations see them */
static gboolean
op_set(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	static const char *const allowed[] = {"pleo", "dctype", "lsp-unsupported", "kato-enforce",
					      NULL};
	g_autoptr(JsonObject) changes = json_object_new();
	JsonObjectIter iter;
	const char *key;
	JsonNode *node;

	json_object_iter_init(&iter, req);
	while (json_object_iter_next(&iter, &key, &node)) {
		if (strcmp(key, "op") == 0)
			continue;
		if (!g_strv_contains(allowed, key)) {
			g_set_error(error, STAS_ERROR, STAS_ERROR_INVALID,
				    "%s cannot change at run time", key);
			return FALSE;
		}
		json_object_set_member(changes, key, json_node_copy(node));
	}
	return dce_config_apply_json(s->cfg, changes, error);
}

static gboolean
op_drop_connections(DceState *s, DceServer *srv, JsonObject *req, JsonObject *resp, GError **error)
{
	json_object_set_int_member(resp, "dropped",
				   srv != NULL ? dce_server_drop_connections(srv) : 0);
	return TRUE;
}

static const struct {
	const char *op;
	Handler handler;
} ops[] = {
	{"ping", op_ping},
	{"status", op_status},
	{"list-entries", op_list_entries},
	{"set-entries", op_set_entries},
	{"add-entry", op_add_entry},
	{"remove-entry", op_remove_entry},
	{"fire-aen", op_fire_aen},
	{"list-registrations", op_list_registrations},
	{"clear-registrations", op_clear_registrations},
	{"list-connections", op_list_connections},
	{"malform", op_malform},
	{"stall", op_stall},
	{"set", op_set},
	{"drop-connections", op_drop_connections},
};

JsonObject *
dce_control_handle(DceState *state, DceServer *srv, JsonObject *req)
{
	g_autoptr(JsonObject) resp = json_object_new();
	g_autoptr(GError) error = NULL;
	JsonNode *opn = member(req, "op");
	const char *op = opn != NULL && JSON_NODE_HOLDS_VALUE(opn) &&
					 json_node_get_value_type(opn) == G_TYPE_STRING
				 ? json_node_get_string(opn)
				 : NULL;
	Handler handler = NULL;

	for (guint i = 0; op != NULL && i < G_N_ELEMENTS(ops); i++) {
		if (strcmp(op, ops[i].op) == 0)
			handler = ops[i].handler;
	}
	if (handler == NULL)
		g_set_error(&error, STAS_ERROR, STAS_ERROR_INVALID, "unknown op %s",
			    op != NULL ? op : "(none)");
	else
		handler(state, srv, req, resp, &error);
	if (error != NULL) {
		g_autoptr(JsonObject) fail = json_object_new();

		json_object_set_boolean_member(fail, "ok", FALSE);
		json_object_set_string_member(fail, "error", error->message);
		return g_steal_pointer(&fail);
	}
	json_object_set_boolean_member(resp, "ok", TRUE);
	return g_steal_pointer(&resp);
}

/* ------------------------------------------------------------------------ */
/* the socket                                                                */

static void
client_free(Client *c)
{
	g_clear_object(&c->in);
	g_clear_object(&c->conn);
	g_free(c);
}

static char *
handle_line(DceControl *ctl, const char *line)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonObject) resp = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonNode *root;

	if (!json_parser_load_from_data(parser, line, -1, NULL) ||
	    (root = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return g_strdup("{\"ok\":false,\"error\":\"not a JSON object\"}");
	resp = dce_control_handle(ctl->state, ctl->srv, json_node_get_object(root));
	node = json_node_init_object(json_node_alloc(), resp);
	return json_to_string(node, FALSE);
}

static void on_line(GObject *src, GAsyncResult *res, gpointer data);

static void
on_line(GObject *src, GAsyncResult *res, gpointer data)
{
	Client *c = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish(c->in, res, NULL, &error);
	g_autofree char *reply = NULL;
	GOutputStream *out;

	if (line == NULL) {
		client_free(c);
		return;
	}
	reply = handle_line(c->ctl, line);
	out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));
	/* replies are small: a blocking write on a unix socket is fine */
	if (!g_output_stream_write_all(out, reply, strlen(reply), NULL, NULL, &error) ||
	    !g_output_stream_write_all(out, "\n", 1, NULL, NULL, &error)) {
		client_free(c);
		return;
	}
	g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->ctl->cancel, on_line, c);
}

static gboolean
on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
	Client *c = g_new0(Client, 1);

	c->ctl = data;
	c->conn = g_object_ref(conn);
	c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->ctl->cancel, on_line, c);
	return TRUE;
}

DceControl *
dce_control_new(DceState *state, DceServer *srv, const char *path, GError **error)
{
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	DceControl *ctl;

	if (unlink(path) < 0 && errno != ENOENT) {
		g_set_error(error, STAS_ERROR, STAS_ERROR_IO, "%s: %s", path, g_strerror(errno));
		return NULL;
	}
	ctl = g_new0(DceControl, 1);
	ctl->state = state;
	ctl->srv = srv;
	ctl->path = g_strdup(path);
	ctl->service = g_socket_service_new();
	ctl->cancel = g_cancellable_new();
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(ctl->service), addr,
					   G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
					   NULL, error)) {
		g_prefix_error(error, "control socket %s: ", path);
		dce_control_free(ctl);
		return NULL;
	}
	g_signal_connect(ctl->service, "incoming", G_CALLBACK(on_incoming), ctl);
	g_socket_service_start(ctl->service);
	return ctl;
}

void
dce_control_free(DceControl *ctl)
{
	if (ctl == NULL)
		return;
	g_socket_service_stop(ctl->service);
	g_socket_listener_close(G_SOCKET_LISTENER(ctl->service));
	g_clear_object(&ctl->service);
	/* the clients' reads end with G_IO_ERROR_CANCELLED and free them */
	g_cancellable_cancel(ctl->cancel);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_clear_object(&ctl->cancel);
	if (ctl->path != NULL)
		unlink(ctl->path);
	g_free(ctl->path);
	g_free(ctl);
}
