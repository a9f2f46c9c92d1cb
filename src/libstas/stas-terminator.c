/* SPDX-License-Identifier: Apache-2.0 */
/* safe disposal of controllers: never disconnect under an operation in flight */
#include "config.h"

#include "stas/stas-log.h"
#include "stas/stas-terminator.h"

typedef struct {
	StasController *ctrl;
	StasTid *tid;
	gboolean keep_connection;
	StasControllerDoneFunc callback;
	gpointer user_data;
	gulong handler;
} Entry;

struct _StasTerminator {
	GObject parent_instance;
	StasCtrlEnv *env;
	GPtrArray *queue; /* Entry*, in disposal order */
	StasTimer *audit_timer;
	gboolean watching; /* registered for add/remove uevents */
};

G_DEFINE_TYPE(StasTerminator, stas_terminator, G_TYPE_OBJECT)

static void on_kernel_uevent(StasUdev *udev, StasUevent *event, gpointer user_data);

static void
entry_free(gpointer data)
{
	Entry *e = data;

	if (e->handler)
		g_signal_handler_disconnect(e->ctrl, e->handler);
	g_object_unref(e->ctrl);
	stas_tid_unref(e->tid);
	g_free(e);
}

static void
watch(StasTerminator *self, gboolean on)
{
	StasUdev *udev = stas_ctrl_env_get_udev(self->env);

	if (self->watching == on)
		return;
	self->watching = on;
	if (on) {
		stas_udev_register_action(udev, "add", on_kernel_uevent, self);
		stas_udev_register_action(udev, "remove", on_kernel_uevent, self);
	} else {
		stas_udev_unregister_action(udev, "add", on_kernel_uevent, self);
		stas_udev_unregister_action(udev, "remove", on_kernel_uevent, self);
	}
}

/* hand the entry's controller to its disconnect; e is freed */
static void
entry_dispose(Entry *e)
{
	g_autoptr(StasController) ctrl = g_object_ref(e->ctrl);
	StasControllerDoneFunc callback = e->callback;
	gpointer user_data = e->user_data;
	gboolean keep = e->keep_connection;

	entry_free(e);
	stas_controller_disconnect(ctrl, keep, callback, user_data);
}

/* dispose of what has nothing in flight; restart: re-arm the audit timer if some remain */
static void
check_queue(StasTerminator *self, gboolean restart)
{
	for (guint i = 0; i < self->queue->len;) {
		Entry *e = self->queue->pdata[i];

		if (stas_controller_has_pending_operations(e->ctrl)) {
			i++;
			continue;
		}
		stas_ctrl_debug(stas_tid_to_string(e->tid), stas_controller_get_device(e->ctrl),
				"terminator: operations ended, disposing");
		g_ptr_array_remove_index(self->queue, i);
		entry_dispose(e);
	}
	if (self->queue->len == 0) {
		stas_timer_stop(self->audit_timer);
		watch(self, FALSE);
	} else if (restart) {
		stas_timer_start(self->audit_timer);
	}
}

static void
on_kernel_uevent(StasUdev *udev, StasUevent *event, gpointer user_data)
{
	check_queue(user_data, TRUE);
}

static void
on_audit_timer(gpointer user_data)
{
	check_queue(user_data, TRUE);
}

static void
on_operations_completed(StasController *ctrl, gpointer user_data)
{
	check_queue(user_data, FALSE);
}

StasTerminator *
stas_terminator_new(StasCtrlEnv *env)
{
	StasTerminator *self;

	g_return_val_if_fail(env != NULL, NULL);

	self = g_object_new(STAS_TYPE_TERMINATOR, NULL);
	self->env = stas_ctrl_env_ref(env);
	self->audit_timer = stas_timer_new(stas_ctrl_env_get_clock(env), STAS_TERMINATOR_AUDIT_SEC,
					   on_audit_timer, self);
	return self;
}

void
stas_terminator_dispose(StasTerminator *self, StasController *ctrl, gboolean keep_connection,
			StasControllerDoneFunc callback, gpointer user_data)
{
	Entry *e;

	g_return_if_fail(STAS_IS_TERMINATOR(self));
	g_return_if_fail(STAS_IS_CONTROLLER(ctrl));

	stas_controller_cancel(ctrl);
	if (!stas_controller_has_pending_operations(ctrl)) {
		stas_controller_disconnect(ctrl, keep_connection, callback, user_data);
		return;
	}
	stas_ctrl_debug(stas_controller_get_id(ctrl), stas_controller_get_device(ctrl),
			"terminator: operations in flight, disposal queued");
	e = g_new0(Entry, 1);
	e->ctrl = g_object_ref(ctrl);
	e->tid = stas_tid_ref(stas_controller_get_tid(ctrl));
	e->keep_connection = keep_connection;
	e->callback = callback;
	e->user_data = user_data;
	e->handler = g_signal_connect(ctrl, "operations-completed",
				      G_CALLBACK(on_operations_completed), self);
	g_ptr_array_add(self->queue, e);
	watch(self, TRUE);
	if (!stas_timer_is_running(self->audit_timer))
		stas_timer_start(self->audit_timer);
}

gboolean
stas_terminator_pending_disposal(StasTerminator *self, const StasTid *tid)
{
	g_return_val_if_fail(STAS_IS_TERMINATOR(self), FALSE);
	g_return_val_if_fail(tid != NULL, FALSE);

	for (guint i = 0; i < self->queue->len; i++) {
		Entry *e = self->queue->pdata[i];

		if (stas_tid_equal(e->tid, tid))
			return TRUE;
	}
	return FALSE;
}

guint
stas_terminator_get_n_pending(StasTerminator *self)
{
	g_return_val_if_fail(STAS_IS_TERMINATOR(self), 0);
	return self->queue->len;
}

char *
stas_terminator_get_audit_timer_string(StasTerminator *self)
{
	g_return_val_if_fail(STAS_IS_TERMINATOR(self), NULL);
	return stas_timer_to_string(self->audit_timer);
}

void
stas_terminator_add_info(StasTerminator *self, GHashTable *info)
{
	g_return_if_fail(STAS_IS_TERMINATOR(self));

	g_hash_table_insert(info, g_strdup("terminator.audit timer"),
			    stas_timer_to_string(self->audit_timer));
	for (guint i = 0; i < self->queue->len; i++) {
		Entry *e = self->queue->pdata[i];
		g_autoptr(GHashTable) ctrl_info = stas_controller_get_info(e->ctrl);

		g_hash_table_insert(
			info,
			g_strdup_printf("terminator.controller.%s", stas_tid_to_string(e->tid)),
			stas_py_repr_dict(ctrl_info));
	}
}

void
stas_terminator_kill(StasTerminator *self)
{
	g_autoptr(GPtrArray) queue = NULL;

	g_return_if_fail(STAS_IS_TERMINATOR(self));

	if (self->audit_timer)
		stas_timer_stop(self->audit_timer);
	if (self->env)
		watch(self, FALSE);
	/* taken first: the disconnects may call back into us */
	queue = g_steal_pointer(&self->queue);
	self->queue = g_ptr_array_new();
	for (guint i = 0; i < queue->len; i++)
		entry_dispose(queue->pdata[i]);
}

static void
terminator_object_dispose(GObject *object)
{
	StasTerminator *self = STAS_TERMINATOR(object);

	if (self->queue)
		stas_terminator_kill(self);
	g_clear_pointer(&self->audit_timer, stas_timer_free);
	G_OBJECT_CLASS(stas_terminator_parent_class)->dispose(object);
}

static void
terminator_object_finalize(GObject *object)
{
	StasTerminator *self = STAS_TERMINATOR(object);

	g_clear_pointer(&self->queue, g_ptr_array_unref);
	g_clear_pointer(&self->env, stas_ctrl_env_unref);
	G_OBJECT_CLASS(stas_terminator_parent_class)->finalize(object);
}

static void
stas_terminator_class_init(StasTerminatorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = terminator_object_dispose;
	object_class->finalize = terminator_object_finalize;
}

static void
stas_terminator_init(StasTerminator *self)
{
	self->queue = g_ptr_array_new();
}
