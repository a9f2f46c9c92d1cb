/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-kerneld: the fake kernel of the integration tier (README.md).
 *
 * one process holds the state (fake-kernel-state.h) for every client: the
 * daemons' fake seams, the test driver, fake-kernelctl.  the main thread
 * runs a GLib loop that accepts connections on a unix socket; each
 * connection gets its own thread, so a request that blocks (a stalled
 * target, a dead address, a subscription) blocks only its own client.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <glib-unix.h>

#include "stas/stas-nvme.h"

#include "fake-kernel-proto.h"
#include "fake-kernel-state.h"

#define LOG_CMD_MAX   (1024 * 1024) /* bytes one Get Log Page may ask for */
#define STORM_MAX     1000000
#define BATCH_BYTES   (256 * 1024) /* uevent lines written to a subscriber at once */
#define IDLE_CHECK_MS 200

/* k->lock, held until the end of the enclosing scope */
#define SCOPED_LOCK(k) g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&(k)->lock)

/* a handler runs without k->lock; 0 or an errno, *msg says why */
typedef int (*Handler)(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg);

/* one more request of op for "stats"; k->lock held */
static void
count_op(FkKernel *k, const char *op)
{
	gpointer n = g_hash_table_lookup(k->stats, op);

	g_hash_table_insert(k->stats, g_strdup(op), GINT_TO_POINTER(GPOINTER_TO_INT(n) + 1));
}

/* ------------------------------------------------------------------------ */
/* the seam's operations                                                     */

static int
handle_fabrics_write(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	const char *options = fk_get_str(req, "options");
	g_autofree char *reply = NULL;
	int err;

	if (options == NULL) {
		*msg = g_strdup("options missing");
		return EINVAL;
	}
	err = fk_kernel_connect(k, options, &reply, msg);
	if (err == 0)
		json_object_set_string_member(resp, "reply", reply);
	return err;
}

static int
handle_fabrics_read(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);

	if (k->fabrics_errno != 0)
		return k->fabrics_errno;
	json_object_set_string_member(resp, "options", k->fabrics_template);
	return 0;
}

/*
 * the controller and target of an admin command on device, once the target
 * is not stalled, unless the test made op fail.  k->lock held.
 */
static int
admin_begin(FkKernel *k, JsonObject *req, const char *op, FkCtrl **c, FkTarget **t, char **msg)
{
	const char *device = fk_get_str(req, "device");
	int err;

	*c = fk_kernel_ctrl(k, device);
	*t = *c ? fk_kernel_target(k, (*c)->target) : NULL;
	if (*c == NULL) {
		*msg = g_strdup_printf("%s: no such controller", device ? device : "");
		return ENODEV;
	}
	if (*t == NULL || !fk_kernel_wait_stall(k, t)) {
		*msg = g_strdup_printf("%s: the target is gone", device);
		return EIO;
	}
	/* it may have been deleted while the target was stalled */
	*c = fk_kernel_ctrl(k, device);
	if (*c == NULL) {
		*msg = g_strdup_printf("%s: no such controller", device);
		return ENODEV;
	}
	err = fk_target_fail(*t, op);
	if (err != 0)
		*msg = g_strdup_printf("%s: %s failed as the test asked: %s", device, op,
				       g_strerror(err));
	return err;
}

static int
handle_attach(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	FkCtrl *c;
	FkTarget *t;
	int err = admin_begin(k, req, "attach", &c, &t, msg);

	if (err == 0)
		json_object_set_object_member(resp, "ctrl", fk_ctrl_to_json(c, FALSE));
	return err;
}

static int
handle_read_ctrl(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	const char *device = fk_get_str(req, "device");
	FkCtrl *c = fk_kernel_ctrl(k, device);

	if (c == NULL) {
		*msg = g_strdup_printf("%s: no such controller", device ? device : "");
		return ENODEV;
	}
	json_object_set_object_member(resp, "ctrl", fk_ctrl_to_json(c, FALSE));
	return 0;
}

static int
handle_list_devices(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	JsonArray *devices = json_array_new();

	for (guint i = 0; i < k->ctrls->len; i++) {
		FkCtrl *c = k->ctrls->pdata[i];

		if (c != NULL)
			json_array_add_string_element(devices, c->device);
	}
	json_object_set_array_member(resp, "devices", devices);
	return 0;
}

static int
handle_disconnect(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	const char *device = fk_get_str(req, "device");

	if (!fk_kernel_disconnect(k, device)) {
		*msg = g_strdup_printf("%s: cannot disconnect: %s", device ? device : "",
				       g_strerror(ENOENT));
		return ENOENT;
	}
	return 0;
}

/* an NVMe status completion: the client builds its message from these */
static int
nvme_status(JsonObject *resp, guint status, guint result, const char *text, char **msg)
{
	json_object_set_int_member(resp, "status", status);
	json_object_set_int_member(resp, "result", result);
	json_object_set_string_member(resp, "text", text ? text : "fake NVMe status");
	*msg = g_strdup_printf("NVMe status 0x%04x", status);
	return EIO;
}

static void
record_dim(FkKernel *k, const FkCtrl *c, const FkTarget *t, const char *symname)
{
	JsonObject *r = fk_ctrl_to_json(c, FALSE);

	json_object_set_string_member(r, "dc", t->name);
	json_object_set_string_member(r, "tas", "register");
	if (symname != NULL)
		json_object_set_string_member(r, "symname", symname);
	g_ptr_array_add(k->dims, r);
}

static int
handle_dim_register(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	FkCtrl *c;
	FkTarget *t;
	int err = admin_begin(k, req, "dim", &c, &t, msg);
	const char *transport;

	if (err != 0)
		return err;
	transport = fk_options_get(c->opts, "transport");
	if (strcmp(transport, "tcp") != 0) {
		*msg = g_strdup_printf("%s: explicit registration needs tcp, not %s", c->device,
				       transport);
		return EOPNOTSUPP;
	}
	if (t->kind != FK_TARGET_DC ||
	    (strcmp(t->dctype, "cdc") != 0 && strcmp(t->dctype, "ddc") != 0)) {
		*msg = g_strdup_printf("%s: the discovery controller does not support explicit "
				       "registration",
				       c->device);
		return EOPNOTSUPP;
	}
	if (t->dim_status != 0)
		return nvme_status(resp, t->dim_status, t->dim_result, t->dim_text, msg);
	record_dim(k, c, t, fk_get_str(req, "symname"));
	return 0;
}

static int
handle_supported_log_pages(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES] = {0};
	JsonArray *array;
	FkCtrl *c;
	FkTarget *t;
	int err = admin_begin(k, req, "supported-log-pages", &c, &t, msg);

	if (err != 0)
		return err;
	if (t->slp_unsupported)
		return nvme_status(resp, FK_STATUS_INVALID_FIELD, 0, "Invalid Field in Command",
				   msg);
	lids[0x00] = 1; /* LSUPP */
	if (t->kind == FK_TARGET_DC)
		lids[STAS_NVME_LOG_LID_DISCOVERY] = 1 | (t->pleo ? 0x2u << 16 : 0);
	else
		lids[0x01] = lids[0x02] = lids[0x03] = 1;
	array = json_array_sized_new(STAS_NVME_SUPPORTED_LOG_PAGES);
	for (guint i = 0; i < STAS_NVME_SUPPORTED_LOG_PAGES; i++)
		json_array_add_int_element(array, lids[i]);
	json_object_set_array_member(resp, "lid_support", array);
	return 0;
}

/* one Get Log Page command for the discovery log; RAE=0 re-arms the AEN (nvmet) */
static int
handle_get_log(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	gint64 offset = fk_get_int(req, "offset", -1);
	gint64 len = fk_get_int(req, "len", -1);
	guint8 lsp = (guint8)fk_get_int(req, "lsp", 0);
	g_autofree guint8 *buf = NULL;
	g_autofree char *b64 = NULL;
	FkCtrl *c;
	FkTarget *t;
	int err = admin_begin(k, req, "get-log", &c, &t, msg);

	if (err != 0)
		return err;
	if (t->kind != FK_TARGET_DC)
		return nvme_status(resp, FK_STATUS_INVALID_LOG_PAGE, 0, "Invalid Log Page", msg);
	if (offset < 0 || offset % 4 != 0 || len <= 0 || len > LOG_CMD_MAX || len % 4 != 0)
		return nvme_status(resp, FK_STATUS_INVALID_FIELD, 0, "Invalid Field in Command",
				   msg);
	buf = g_malloc((gsize)len);
	fk_target_log_read(t, lsp, (guint64)offset, buf, (gsize)len);
	b64 = g_base64_encode(buf, (gsize)len);
	json_object_set_string_member(resp, "data", b64);
	if (!fk_get_bool(req, "rae", TRUE)) {
		c->aen_armed = TRUE;
		t->log_reads++;
		if (t->pleo && (lsp & STAS_NVME_DLP_LSP_PLEO))
			t->pleo_reads++;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* test controls: targets                                                    */

static int
declare(FkKernel *k, FkTargetKind kind, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	int err = 0;
	FkTarget *t = fk_target_new_from_json(k, kind, req, &err, msg);

	if (t == NULL)
		return err;
	g_ptr_array_add(k->targets, t);
	json_object_set_string_member(resp, "name", t->name);
	return 0;
}

static int
handle_declare_dc(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	return declare(k, FK_TARGET_DC, req, resp, msg);
}

static int
handle_declare_subsystem(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	return declare(k, FK_TARGET_IO, req, resp, msg);
}

static int
handle_declare_dead(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	return declare(k, FK_TARGET_DEAD, req, resp, msg);
}

static FkTarget *
target_arg(FkKernel *k, JsonObject *req, char **msg)
{
	const char *name = fk_get_str(req, "name");
	FkTarget *t = fk_kernel_target(k, name);

	if (t == NULL)
		*msg = g_strdup_printf("no target named %s", name ? name : "(null)");
	return t;
}

static int
handle_remove_target(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	FkTarget *t = target_arg(k, req, msg);

	if (t == NULL)
		return ENOENT;
	g_ptr_array_remove(k->targets, t);
	g_cond_broadcast(&k->cond); /* stalled operations on it fail now */
	return 0;
}

static int
handle_set_entries(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	FkTarget *t = target_arg(k, req, msg);
	JsonArray *entries = fk_get_array(req, "entries");

	if (t == NULL)
		return ENOENT;
	if (t->kind != FK_TARGET_DC || entries == NULL) {
		*msg = g_strdup("set-entries needs a discovery controller and an entries array");
		return EINVAL;
	}
	if (!fk_target_set_entries(t, entries, msg))
		return EINVAL;
	fk_kernel_dc_changed(k, t);
	json_object_set_int_member(resp, "genctr", (gint64)t->genctr);
	return 0;
}

static void
set_fail_map(FkTarget *t, JsonObject *fail)
{
	g_autoptr(GList) ops = json_object_get_members(fail);

	g_hash_table_remove_all(t->fail);
	for (GList *l = ops; l != NULL; l = l->next) {
		int err = (int)fk_get_int(fail, l->data, 0);

		if (err > 0)
			g_hash_table_insert(t->fail, g_strdup(l->data), GINT_TO_POINTER(err));
	}
}

static int
handle_set_target(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	FkTarget *t = target_arg(k, req, msg);

	if (t == NULL)
		return ENOENT;
	t->stalled = fk_get_bool(req, "stall", t->stalled);
	if (!t->stalled)
		g_cond_broadcast(&k->cond);
	if (fk_get_obj(req, "fail") != NULL)
		set_fail_map(t, fk_get_obj(req, "fail"));
	t->dim_status = (guint)fk_get_int(req, "dim_status", t->dim_status);
	t->dim_result = (guint)fk_get_int(req, "dim_result", t->dim_result);
	if (fk_get_str(req, "dim_text") != NULL) {
		g_free(t->dim_text);
		t->dim_text = g_strdup(fk_get_str(req, "dim_text"));
	}
	if (t->kind == FK_TARGET_DC) {
		t->numrec = fk_get_int(req, "numrec", t->numrec);
		t->pleo = fk_get_bool(req, "pleo", t->pleo);
		t->slp_unsupported = fk_get_bool(req, "slp_unsupported", t->slp_unsupported);
		if (fk_get_str(req, "dctype") != NULL) {
			g_free(t->dctype);
			t->dctype = g_strdup(fk_get_str(req, "dctype"));
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* test controls: controllers, uevents, the fabrics device                  */

static int
handle_set_ctrl(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	const char *device = fk_get_str(req, "device");
	FkCtrl *c = fk_kernel_ctrl(k, device);

	if (c == NULL) {
		*msg = g_strdup_printf("%s: no such controller", device ? device : "");
		return ENODEV;
	}
	if (fk_get_str(req, "state") != NULL) {
		g_free(c->state);
		c->state = g_strdup(fk_get_str(req, "state"));
	}
	c->has_namespaces = fk_get_bool(req, "has_namespaces", c->has_namespaces);
	c->aen_armed = fk_get_bool(req, "aen_armed", c->aen_armed);
	return 0;
}

static int
handle_set_fabrics(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);

	if (fk_get_str(req, "options") != NULL) {
		g_free(k->fabrics_template);
		k->fabrics_template = g_strdup(fk_get_str(req, "options"));
	}
	k->fabrics_errno = (int)fk_get_int(req, "errno", k->fabrics_errno);
	return 0;
}

/* the string members of props (may be NULL), borrowed from it */
static GHashTable *
props_table(JsonObject *props)
{
	GHashTable *table = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GList) keys = props ? json_object_get_members(props) : NULL;

	for (GList *l = keys; l != NULL; l = l->next) {
		const char *v = fk_get_str(props, l->data);

		if (v != NULL)
			g_hash_table_insert(table, l->data, (gpointer)v);
	}
	return table;
}

/* "event" and "storm": count uevents on one device, with the given properties */
static int
emit_events(FkKernel *k, JsonObject *req, gint64 count, char **msg)
{
	SCOPED_LOCK(k);
	g_autoptr(GHashTable) props = props_table(fk_get_obj(req, "props"));
	const char *device = fk_get_str(req, "device");
	const char *action = fk_get_str(req, "action");

	if (!stas_nvme_device_name_is_valid(device) || count < 0 || count > STORM_MAX) {
		*msg = g_strdup("a device name nvme<N> and a count in 0..1000000 are needed");
		return EINVAL;
	}
	for (gint64 i = 0; i < count; i++)
		fk_kernel_emit(k, action ? action : "change", device, props);
	return 0;
}

static int
handle_event(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	return emit_events(k, req, 1, msg);
}

static int
handle_storm(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	return emit_events(k, req, fk_get_int(req, "count", -1), msg);
}

/* ------------------------------------------------------------------------ */
/* test controls: what happened                                              */

static JsonArray *
records(GPtrArray *list)
{
	JsonArray *array = json_array_sized_new(list->len);

	for (guint i = 0; i < list->len; i++)
		json_array_add_object_element(array, json_object_ref(list->pdata[i]));
	return array;
}

static int
handle_list_ctrls(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	JsonArray *array = json_array_new();

	for (guint i = 0; i < k->ctrls->len; i++) {
		if (k->ctrls->pdata[i] != NULL)
			json_array_add_object_element(array,
						      fk_ctrl_to_json(k->ctrls->pdata[i], TRUE));
	}
	json_object_set_array_member(resp, "ctrls", array);
	return 0;
}

static int
handle_list_connects(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);

	json_object_set_array_member(resp, "connects", records(k->connects));
	if (fk_get_bool(req, "clear", FALSE))
		g_ptr_array_set_size(k->connects, 0);
	return 0;
}

static int
handle_list_dim(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);

	json_object_set_array_member(resp, "registrations", records(k->dims));
	if (fk_get_bool(req, "clear", FALSE))
		g_ptr_array_set_size(k->dims, 0);
	return 0;
}

static int
handle_list_targets(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	JsonArray *array = json_array_new();

	for (guint i = 0; i < k->targets->len; i++)
		json_array_add_object_element(array, fk_target_to_json(k->targets->pdata[i]));
	json_object_set_array_member(resp, "targets", array);
	return 0;
}

static int
handle_stats(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	JsonObject *stats = json_object_new();
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, k->stats);
	while (g_hash_table_iter_next(&iter, &key, &value))
		json_object_set_int_member(stats, key, GPOINTER_TO_INT(value));
	json_object_set_object_member(resp, "stats", stats);
	json_object_set_int_member(resp, "seqnum", (gint64)k->seqnum);
	return 0;
}

static int
handle_set_uevents(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	SCOPED_LOCK(k);
	gint64 refuse = fk_get_int(req, "refuse", k->subscribe_errno);

	if (refuse < 0 || refuse > 4095) {
		*msg = g_strdup("refuse: an errno, or 0 to accept subscriptions again");
		return EINVAL;
	}
	k->subscribe_errno = (int)refuse;
	if (fk_get_bool(req, "close", FALSE))
		fk_kernel_unsubscribe_all(k);
	return 0;
}

static int
handle_ping(FkKernel *k, JsonObject *req, JsonObject *resp, char **msg)
{
	json_object_set_int_member(resp, "pid", getpid());
	return 0;
}

/* ------------------------------------------------------------------------ */
/* requests                                                                  */

static const struct {
	const char *op;
	Handler handler;
} handlers[] = {
	/* the seam (stas-nvme-fake.c) */
	{"fabrics-write", handle_fabrics_write},
	{"fabrics-read", handle_fabrics_read},
	{"attach", handle_attach},
	{"read-ctrl", handle_read_ctrl},
	{"list-devices", handle_list_devices},
	{"disconnect", handle_disconnect},
	{"dim-register", handle_dim_register},
	{"supported-log-pages", handle_supported_log_pages},
	{"get-log", handle_get_log},
	/* tests */
	{"ping", handle_ping},
	{"declare-dc", handle_declare_dc},
	{"declare-subsystem", handle_declare_subsystem},
	{"declare-dead", handle_declare_dead},
	{"remove-target", handle_remove_target},
	{"set-entries", handle_set_entries},
	{"set-target", handle_set_target},
	{"set-ctrl", handle_set_ctrl},
	{"set-fabrics", handle_set_fabrics},
	{"event", handle_event},
	{"storm", handle_storm},
	{"set-uevents", handle_set_uevents},
	{"list-ctrls", handle_list_ctrls},
	{"list-connects", handle_list_connects},
	{"list-dim", handle_list_dim},
	{"list-targets", handle_list_targets},
	{"stats", handle_stats},
};

static Handler
find_handler(FkKernel *k, const char *op)
{
	SCOPED_LOCK(k);

	for (gsize i = 0; op != NULL && i < G_N_ELEMENTS(handlers); i++) {
		if (strcmp(handlers[i].op, op) == 0) {
			count_op(k, op);
			return handlers[i].handler;
		}
	}
	return NULL;
}

static JsonObject *
dispatch(FkKernel *k, JsonObject *req)
{
	JsonObject *resp = json_object_new();
	const char *op = fk_get_str(req, "op");
	Handler handler = find_handler(k, op);
	g_autofree char *msg = NULL;
	int err = EINVAL;

	if (handler == NULL)
		msg = g_strdup_printf("unknown op %s", op ? op : "(none)");
	else
		err = handler(k, req, resp, &msg);
	json_object_set_boolean_member(resp, "ok", err == 0);
	if (err != 0) {
		json_object_set_int_member(resp, "errno", err);
		json_object_set_string_member(resp, "error", msg ? msg : g_strerror(err));
	}
	return resp;
}

/* ------------------------------------------------------------------------ */
/* connections                                                               */

typedef struct {
	FkKernel *k;
	int fd;
} Client;

/* TRUE once the peer closed its end (or the socket broke) */
static gboolean
peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&p, 1, 0) <= 0)
		return FALSE;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

/* the test refused subscriptions (set-uevents "refuse"): answer the errno */
static void
refuse_subscription(FkConn *conn, int err)
{
	g_autoptr(JsonObject) resp = json_object_new();

	json_object_set_boolean_member(resp, "ok", FALSE);
	json_object_set_int_member(resp, "errno", err);
	json_object_set_string_member(resp, "error", g_strerror(err));
	fk_conn_send(conn, resp, NULL);
}

/* TRUE while the test did not end the subscription (set-uevents "close") */
static gboolean
still_subscribed(FkKernel *k, GAsyncQueue *queue)
{
	SCOPED_LOCK(k);

	return fk_kernel_is_subscribed(k, queue);
}

/* write uevent lines as they come until the subscriber goes away or the test ends it */
static void
serve_subscription(FkKernel *k, FkConn *conn)
{
	GAsyncQueue *queue = NULL;
	gboolean ok;
	int err;

	g_mutex_lock(&k->lock);
	count_op(k, "subscribe");
	err = k->subscribe_errno;
	if (err == 0)
		queue = fk_kernel_subscribe(k);
	g_mutex_unlock(&k->lock);
	if (queue == NULL) {
		refuse_subscription(conn, err);
		return;
	}
	ok = fk_conn_write_line(conn, "{\"ok\":true}", NULL);
	while (ok) {
		g_autofree char *line = g_async_queue_timeout_pop(queue, IDLE_CHECK_MS * 1000);
		g_autoptr(GString) batch = NULL;
		char *more;

		if (!still_subscribed(k, queue))
			break;
		if (line == NULL) {
			ok = !peer_gone(conn->fd);
			continue;
		}
		batch = g_string_new(line);
		while (batch->len < BATCH_BYTES && (more = g_async_queue_try_pop(queue))) {
			g_string_append_c(batch, '\n');
			g_string_append(batch, more);
			g_free(more);
		}
		ok = fk_conn_write_line(conn, batch->str, NULL);
	}
	g_mutex_lock(&k->lock);
	fk_kernel_unsubscribe(k, queue);
	g_mutex_unlock(&k->lock);
	g_async_queue_unref(queue);
}

static gpointer
client_thread(gpointer data)
{
	g_autofree Client *client = data;
	g_autoptr(FkConn) conn = fk_conn_new(client->fd);

	for (;;) {
		g_autofree char *line = fk_conn_read_line(conn, NULL);
		g_autoptr(JsonObject) req = NULL;
		g_autoptr(JsonObject) resp = NULL;
		g_autoptr(GError) error = NULL;

		if (line == NULL)
			break;
		req = fk_json_parse_object(line, &error);
		if (req != NULL && g_strcmp0(fk_get_str(req, "op"), "subscribe") == 0) {
			serve_subscription(client->k, conn);
			break;
		}
		if (req != NULL) {
			resp = dispatch(client->k, req);
		} else {
			resp = json_object_new();
			json_object_set_boolean_member(resp, "ok", FALSE);
			json_object_set_int_member(resp, "errno", EINVAL);
			json_object_set_string_member(resp, "error", error->message);
		}
		if (!fk_conn_send(conn, resp, NULL))
			break;
	}
	return NULL;
}

static gboolean
on_accept(gint fd, GIOCondition condition, gpointer user_data)
{
	Client *client;
	GThread *thread;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (cfd < 0)
		return G_SOURCE_CONTINUE;
	client = g_new0(Client, 1);
	client->k = user_data;
	client->fd = cfd;
	thread = g_thread_try_new("fk-client", client_thread, client, NULL);
	if (thread == NULL) {
		close(cfd);
		g_free(client);
		return G_SOURCE_CONTINUE;
	}
	g_thread_unref(thread);
	return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------------ */
/* main                                                                      */

static int
listen_at(const char *path, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (path == NULL || strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "a socket path is needed (--socket or " FK_SOCKET_ENV ")");
		return -1;
	}
	strcpy(addr.sun_path, path);
	unlink(path); /* a stale socket of an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s", path,
			    g_strerror(err));
		return -1;
	}
	return fd;
}

static gboolean
on_signal(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	g_autofree char *path = NULL;
	gboolean die_with_parent = FALSE;
	GOptionEntry entries[] = {
		{"socket", 's', 0, G_OPTION_ARG_FILENAME, &path,
		 "listen here (default: $" FK_SOCKET_ENV ")", "PATH"},
		{"die-with-parent", 0, 0, G_OPTION_ARG_NONE, &die_with_parent,
		 "exit when the process that started us does", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- the fake kernel of the tests");
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	/* never freed: client threads may still use it while the process exits */
	FkKernel *k;
	int fd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "fake-kerneld: %s\n", error->message);
		return 2;
	}
	if (die_with_parent)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (path == NULL)
		path = g_strdup(g_getenv(FK_SOCKET_ENV));
	fd = listen_at(path, &error);
	if (fd < 0) {
		fprintf(stderr, "fake-kerneld: %s\n", error->message);
		return 1;
	}
	k = fk_kernel_new();
	g_unix_fd_add(fd, G_IO_IN, on_accept, k);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	/* the socket listens: clients may connect from now on */
	printf("READY %s\n", path);
	fflush(stdout);
	g_main_loop_run(loop);
	unlink(path);
	return 0;
}
