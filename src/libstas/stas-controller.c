/* SPDX-License-Identifier: Apache-2.0 */
/* the lifecycle of one controller connection (REFERENCE 5.3) */
#include "config.h"

#include <string.h>

#include "stas/stas-controller.h"
#include "stas/stas-error.h"
#include "stas/stas-log.h"
#include "stas/stas-tcp-probe.h"

typedef struct {
	StasControllerDoneFunc callback;
	gpointer user_data;
	gboolean keep_connection;
} DisconnectRequest;

typedef struct {
	StasCtrlEnv *env;
	StasTid *tid;
	char *device;
	StasNvmeCtrlInfo *sysfs;
	guint connect_attempts;
	StasTimer *retry_timer;
	GSource *connect_idle;
	gboolean connecting;
	gboolean cancelled;
	GCancellable *cancellable;
	guint n_pending;
	gboolean udev_registered;
	GQueue disconnects; /* DisconnectRequest*, waiting for the operations in flight */
} StasControllerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE(StasController, stas_controller, G_TYPE_OBJECT)

enum {
	PROP_0,
	PROP_ENV,
	PROP_TID,
	N_PROPS,
};

enum {
	SIGNAL_OPERATIONS_COMPLETED,
	N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

#define PRIV(self) ((StasControllerPrivate *)stas_controller_get_instance_private(self))

/* upstream logs these at ERROR; g_critical means a bug here, so they are warnings */
#define ctrl_error(self, ...)                                                                      \
	stas_log_ctrl(G_LOG_LEVEL_WARNING, stas_controller_get_id(self),                           \
		      stas_controller_get_device(self), __VA_ARGS__)

static void drain_disconnects(StasController *self);

/* ---- small helpers ------------------------------------------------- */

static GSource *
idle_attach(GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
	GSource *source = g_idle_source_new();

	g_source_set_priority(source, G_PRIORITY_DEFAULT_IDLE);
	g_source_set_callback(source, func, data, destroy);
	g_source_set_static_name(source, "stas-controller");
	g_source_attach(source, g_main_context_get_thread_default());
	return source;
}

static void
source_clear(GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

const char *
stas_py_bool(gboolean value)
{
	return value ? "True" : "False";
}

void
stas_py_repr_append(GString *out, const char *s)
{
	char quote = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';

	g_string_append_c(out, quote);
	for (const guchar *p = (const guchar *)s; *p; p++) {
		if (*p == '\\' || *p == (guchar)quote)
			g_string_append_printf(out, "\\%c", *p);
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\t')
			g_string_append(out, "\\t");
		else if (*p < 0x20 || *p >= 0x7f)
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, quote);
}

static gint
key_compare(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
stas_py_repr_dict(GHashTable *dict)
{
	g_autofree gpointer *keys = g_hash_table_get_keys_as_array(dict, NULL);
	GString *out = g_string_new("{");
	guint n = g_hash_table_size(dict);

	g_qsort_with_data(keys, n, sizeof(gpointer), key_compare, NULL);
	for (guint i = 0; i < n; i++) {
		if (i)
			g_string_append(out, ", ");
		stas_py_repr_append(out, keys[i]);
		g_string_append(out, ": ");
		stas_py_repr_append(out, g_hash_table_lookup(dict, keys[i]));
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* ---- getters ------------------------------------------------------- */

StasCtrlEnv *
stas_controller_get_env(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->env;
}

StasTid *
stas_controller_get_tid(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->tid;
}

const char *
stas_controller_get_id(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return stas_tid_to_string(PRIV(self)->tid);
}

const char *
stas_controller_get_device(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->device;
}

const char *
stas_controller_get_device_name(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->device ? PRIV(self)->device : "nvme?";
}

gboolean
stas_controller_is_connected(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), FALSE);
	return PRIV(self)->device != NULL;
}

const StasNvmeCtrlInfo *
stas_controller_get_sysfs_info(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->sysfs;
}

guint
stas_controller_get_connect_attempts(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), 0);
	return PRIV(self)->connect_attempts;
}

StasTimer *
stas_controller_get_retry_timer(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->retry_timer;
}

gboolean
stas_controller_is_connecting(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), FALSE);
	return PRIV(self)->connecting;
}

gboolean
stas_controller_is_cancelled(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), TRUE);
	return PRIV(self)->cancelled;
}

GCancellable *
stas_controller_get_cancellable(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	return PRIV(self)->cancellable;
}

gboolean
stas_controller_has_pending_operations(StasController *self)
{
	g_return_val_if_fail(STAS_IS_CONTROLLER(self), FALSE);
	return PRIV(self)->n_pending > 0;
}

/* ---- worker jobs --------------------------------------------------- */

typedef struct {
	StasCtrlWorkFunc work;
	gpointer input;
	GDestroyNotify input_free;
	GDestroyNotify result_free;
} WorkJob;

typedef struct {
	StasController *self; /* a reference: the object outlives its jobs */
	StasCtrlWorkDone done;
	gpointer user_data;
} WorkReply;

static void
work_job_free(gpointer data)
{
	WorkJob *job = data;

	if (job->input_free && job->input)
		job->input_free(job->input);
	g_free(job);
}

/* on a pool thread */
static void
work_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	WorkJob *job = task_data;
	GError *error = NULL;
	gpointer result = job->work(job->input, &error);

	if (error) {
		if (result && job->result_free)
			job->result_free(result);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, result, job->result_free);
}

static void
work_reply(GObject *source, GAsyncResult *res, gpointer data)
{
	WorkReply *reply = data;
	StasController *self = reply->self;
	StasControllerPrivate *priv = PRIV(self);
	g_autoptr(GError) error = NULL;
	gpointer result = g_task_propagate_pointer(G_TASK(res), &error);

	reply->done(self, result, error, reply->user_data);
	priv->n_pending--;
	/* done may have started the next job: only a real end of the operations counts */
	if (priv->n_pending == 0) {
		drain_disconnects(self);
		if (priv->n_pending == 0)
			g_signal_emit(self, signals[SIGNAL_OPERATIONS_COMPLETED], 0);
	}
	g_object_unref(self);
	g_free(reply);
}

void
stas_controller_run_work(StasController *self, StasCtrlWorkFunc work, gpointer input,
			 GDestroyNotify input_free, GDestroyNotify result_free,
			 StasCtrlWorkDone done, gpointer user_data, GCancellable *cancellable)
{
	WorkJob *job = g_new0(WorkJob, 1);
	WorkReply *reply = g_new0(WorkReply, 1);
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(STAS_IS_CONTROLLER(self));

	job->work = work;
	job->input = input;
	job->input_free = input_free;
	job->result_free = result_free;
	reply->self = g_object_ref(self);
	reply->done = done;
	reply->user_data = user_data;
	/* no source object: the last task reference may go on the worker thread */
	task = g_task_new(NULL, cancellable, work_reply, reply);
	/* a late result is still a result (a connect that happened must be known) */
	g_task_set_check_cancellable(task, FALSE);
	g_task_set_task_data(task, job, work_job_free);
	PRIV(self)->n_pending++;
	stas_worker_pool_run(stas_ctrl_env_get_pool(PRIV(self)->env), task, work_thread,
			     G_PRIORITY_DEFAULT);
}

/* ---- connect parameters -------------------------------------------- */

static int
conf_int(StasConfInt v)
{
	return v.set ? v.value : STAS_NVME_UNSET;
}

static char *
dup_nonempty(const char *s)
{
	return (s && *s) ? g_strdup(s) : NULL;
}

static void
params_set_tuning(StasNvmeConnectParams *p, const StasConf *conf, GHashTable *cfg)
{
	StasConnParams cp;

	stas_conf_get_conn_params(conf, cfg, &cp);
	p->kato = conf_int(cp.kato);
	p->queue_size = conf_int(cp.queue_size);
	p->nr_io_queues = conf_int(cp.nr_io_queues);
	p->nr_write_queues = conf_int(cp.nr_write_queues);
	p->nr_poll_queues = conf_int(cp.nr_poll_queues);
	p->reconnect_delay = conf_int(cp.reconnect_delay);
	p->ctrl_loss_tmo = conf_int(cp.ctrl_loss_tmo);
	p->disable_sqflow = cp.disable_sqflow.set && cp.disable_sqflow.value;
	p->hdr_digest = cp.hdr_digest;
	p->data_digest = cp.data_digest;
}

/* the parameters of one attempt: current [Global], the TID's overrides, the host identity */
static StasNvmeConnectParams *
build_params(StasController *self, GError **error)
{
	StasControllerPrivate *priv = PRIV(self);
	const StasConf *conf = stas_ctrl_env_get_conf(priv->env);
	const StasSysConf *sys = stas_ctrl_env_get_sysconf(priv->env);
	const StasTid *tid = priv->tid;
	StasNvmeConnectParams *p;

	if (!conf || !sys) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_FAILED,
				    "no configuration loaded");
		return NULL;
	}
	p = stas_nvme_connect_params_new();
	p->transport = dup_nonempty(tid->transport);
	p->traddr = dup_nonempty(tid->traddr);
	p->trsvcid = dup_nonempty(tid->trsvcid);
	p->subsysnqn = dup_nonempty(tid->subsysnqn);
	p->host_traddr = dup_nonempty(tid->host_traddr);
	if (!stas_conf_get_bool(conf, STAS_OPT_IGNORE_IFACE))
		p->host_iface = dup_nonempty(tid->host_iface);
	p->discovery = STAS_CONTROLLER_GET_CLASS(self)->discovery;
	/* Q9: the TID's host NQN is the host of this connection */
	p->host_nqn = dup_nonempty(*tid->host_nqn ? tid->host_nqn : stas_sysconf_get_hostnqn(sys));
	p->host_id = dup_nonempty(stas_sysconf_get_hostid(sys));
	p->host_symname = dup_nonempty(stas_sysconf_get_symname(sys));
	p->host_key = dup_nonempty(stas_sysconf_get_hostkey(sys));
	p->dhchap_secret = dup_nonempty(stas_tid_get_cfg(tid, "dhchap-secret"));
	p->dhchap_ctrl_secret = dup_nonempty(stas_tid_get_cfg(tid, "dhchap-ctrl-secret"));
	params_set_tuning(p, conf, stas_tid_get_cfg_table(tid));
	return p;
}

/* ---- connect: worker side ------------------------------------------ */

typedef struct {
	StasNvmeConnectParams *params;
	StasNvmeOptions *kernel;
	char *device; /* attach to this existing controller, else connect */
	char *sysfs_root;
} ConnectInput;

typedef struct {
	char *device;
	StasNvmeCtrlInfo *info;
	GPtrArray *dropped;
} ConnectResult;

static void
connect_input_free(gpointer data)
{
	ConnectInput *in = data;

	stas_nvme_connect_params_free(in->params);
	g_clear_pointer(&in->kernel, stas_nvme_options_unref);
	g_free(in->device);
	g_free(in->sysfs_root);
	g_free(in);
}

static void
connect_result_free(gpointer data)
{
	ConnectResult *r = data;

	if (r == NULL)
		return;
	g_free(r->device);
	stas_nvme_ctrl_info_free(r->info);
	g_clear_pointer(&r->dropped, g_ptr_array_unref);
	g_free(r);
}

static gpointer
connect_work(gpointer data, GError **error)
{
	ConnectInput *in = data;
	ConnectResult *r = g_new0(ConnectResult, 1);

	if (in->device) {
		r->info = stas_nvme_attach(in->params, in->device, error);
		r->device = r->info ? g_strdup(in->device) : NULL;
	} else {
		r->device = stas_nvme_connect(in->params, in->kernel, &r->dropped, error);
		/* best effort: details() shows "" for what could not be read */
		if (r->device)
			r->info = stas_nvme_sysfs_read_ctrl(in->sysfs_root, r->device, NULL);
	}
	if (r->device == NULL) {
		connect_result_free(r);
		return NULL;
	}
	return r;
}

/* ---- connect: main side -------------------------------------------- */

static void
connect_failed(StasController *self, const GError *error)
{
	StasControllerPrivate *priv = PRIV(self);

	if (priv->connect_attempts == 1) {
		stas_timer_set_interval(priv->retry_timer, STAS_CTRL_FAST_RETRY_SEC);
	} else if (priv->connect_attempts == 2) {
		stas_timer_set_interval(priv->retry_timer, STAS_CTRL_RETRY_SEC);
		ctrl_error(self, "Failed to connect to controller. %s %s",
			   g_quark_to_string(error->domain), error->message);
	}
	stas_ctrl_debug(stas_controller_get_id(self), priv->device, "connect attempt %u failed: %s",
			priv->connect_attempts, error->message);
	STAS_CONTROLLER_GET_CLASS(self)->on_connect_failed(self, error);
	if (!priv->cancelled && STAS_CONTROLLER_GET_CLASS(self)->should_reconnect(self))
		stas_timer_start(priv->retry_timer);
}

static void on_device_uevent(StasUdev *udev, StasUevent *event, gpointer user_data);

static void
connect_succeeded(StasController *self, ConnectResult *r)
{
	StasControllerPrivate *priv = PRIV(self);

	priv->device = g_steal_pointer(&r->device);
	priv->sysfs = g_steal_pointer(&r->info);
	for (guint i = 0; r->dropped && i < r->dropped->len; i++)
		stas_ctrl_debug(stas_controller_get_id(self), priv->device,
				"connect option left out: %s", (char *)r->dropped->pdata[i]);
	stas_ctrl_info(stas_controller_get_id(self), priv->device, "Connection established!");
	priv->connect_attempts = 0;
	stas_timer_stop(priv->retry_timer);
	stas_udev_register_device(stas_ctrl_env_get_udev(priv->env), priv->device, on_device_uevent,
				  self);
	priv->udev_registered = TRUE;
	STAS_CONTROLLER_GET_CLASS(self)->on_connected(self);
}

static void
connect_done(StasController *self, gpointer result, const GError *error, gpointer user_data)
{
	StasControllerPrivate *priv = PRIV(self);
	ConnectResult *r = result;

	priv->connecting = FALSE;
	if (priv->cancelled) {
		/* not followed up, but known: a disconnect must be able to undo it */
		if (r && !priv->device) {
			priv->device = g_steal_pointer(&r->device);
			priv->sysfs = g_steal_pointer(&r->info);
		}
		connect_result_free(r);
		return;
	}
	if (error)
		connect_failed(self, error);
	else
		connect_succeeded(self, r);
	connect_result_free(r);
}

static void
run_connect_job(StasController *self, StasNvmeConnectParams *params, const char *existing)
{
	StasControllerPrivate *priv = PRIV(self);
	ConnectInput *in = g_new0(ConnectInput, 1);
	StasNvmeOptions *kernel = stas_ctrl_env_get_kernel(priv->env);

	in->params = params;
	in->kernel = kernel ? stas_nvme_options_ref(kernel) : NULL;
	in->device = g_strdup(existing);
	in->sysfs_root = g_strdup(stas_ctrl_env_get_sysfs_root(priv->env));
	stas_controller_run_work(self, connect_work, in, connect_input_free, connect_result_free,
				 connect_done, NULL, priv->cancellable);
}

typedef struct {
	StasController *self;
	StasNvmeConnectParams *params;
} ProbeData;

static void
on_probe_done(GObject *source, GAsyncResult *res, gpointer data)
{
	ProbeData *pd = data;
	g_autoptr(StasController) self = pd->self;
	g_autoptr(GError) error = NULL;
	gboolean ok = stas_tcp_probe_cache_probe_finish(res, &error);

	if (PRIV(self)->cancelled) {
		PRIV(self)->connecting = FALSE;
		stas_nvme_connect_params_free(pd->params);
	} else if (!ok) {
		PRIV(self)->connecting = FALSE;
		stas_nvme_connect_params_free(pd->params);
		connect_failed(self, error);
	} else {
		run_connect_job(self, pd->params, NULL);
	}
	g_free(pd);
}

/* SPEC B4: is the target there before the kernel's connect mutex is taken for it? */
static void
probe_then_connect(StasController *self, StasNvmeConnectParams *params, guint timeout_ms)
{
	ProbeData *pd = g_new0(ProbeData, 1);
	StasTcpProbeTarget target = {
		.traddr = params->traddr,
		.trsvcid = params->trsvcid,
		.host_iface = params->host_iface,
		.host_traddr = params->host_traddr,
		.timeout_ms = timeout_ms,
	};

	pd->self = g_object_ref(self);
	pd->params = params;
	/* the controllers behind one endpoint share a probe (bench note 1a) */
	stas_tcp_probe_cache_probe_async(stas_ctrl_env_get_probe_cache(PRIV(self)->env), &target,
					 PRIV(self)->cancellable, on_probe_done, pd);
}

static const char *
find_existing(StasController *self)
{
	StasControllerPrivate *priv = PRIV(self);
	StasTidKind kind =
		STAS_CONTROLLER_GET_CLASS(self)->discovery ? STAS_TID_KIND_DC : STAS_TID_KIND_IOC;

	return stas_udev_index_find_existing(stas_ctrl_env_get_udev(priv->env), priv->tid, kind,
					     stas_ctrl_env_get_ifaces(priv->env));
}

static void
connect_attempt(StasController *self)
{
	StasControllerPrivate *priv = PRIV(self);
	g_autoptr(GError) error = NULL;
	StasNvmeConnectParams *params;
	const char *existing;
	guint timeout_ms = 0;

	if (priv->cancelled || priv->device || priv->connecting)
		return;
	stas_timer_stop(priv->retry_timer);
	priv->connect_attempts++;
	params = build_params(self, &error);
	if (!params) {
		connect_failed(self, error);
		return;
	}
	priv->connecting = TRUE;
	existing = find_existing(self);
	if (existing) {
		stas_ctrl_debug(stas_controller_get_id(self), existing,
				"attaching to the existing connection");
		run_connect_job(self, params, existing);
	} else if (g_str_equal(priv->tid->transport, "tcp") &&
		   stas_ctrl_env_get_tcp_probe(priv->env, &timeout_ms)) {
		probe_then_connect(self, params, timeout_ms);
	} else {
		run_connect_job(self, params, NULL);
	}
}

static gboolean
on_connect_idle(gpointer data)
{
	StasController *self = data;

	g_clear_pointer(&PRIV(self)->connect_idle, g_source_unref);
	connect_attempt(self);
	return G_SOURCE_REMOVE;
}

void
stas_controller_start(StasController *self)
{
	StasControllerPrivate *priv;

	g_return_if_fail(STAS_IS_CONTROLLER(self));
	priv = PRIV(self);
	if (priv->cancelled || priv->device || priv->connect_idle)
		return;
	priv->connect_idle = idle_attach(on_connect_idle, self, NULL);
}

static void
on_retry_timer(gpointer data)
{
	stas_controller_start(data);
}

/* ---- uevents of the own device ------------------------------------- */

static void
unregister_device(StasController *self)
{
	StasControllerPrivate *priv = PRIV(self);

	if (!priv->udev_registered)
		return;
	stas_udev_unregister_device(stas_ctrl_env_get_udev(priv->env), priv->device,
				    on_device_uevent, self);
	priv->udev_registered = FALSE;
}

static void
on_change_uevent(StasController *self, StasUevent *event)
{
	const char *aen = stas_uevent_get_property(event, "NVME_AEN");
	const char *name = stas_uevent_get_property(event, "NVME_EVENT");

	if (aen) {
		char *end = NULL;
		guint64 value = g_ascii_strtoull(aen, &end, 16);

		stas_ctrl_info(stas_controller_get_id(self), stas_uevent_get_sysname(event),
			       "Received AEN: %s", aen);
		if (end != aen && *end == '\0' && value <= G_MAXUINT32)
			STAS_CONTROLLER_GET_CLASS(self)->on_aen(self, (guint32)value);
	}
	if (name && !PRIV(self)->cancelled)
		STAS_CONTROLLER_GET_CLASS(self)->on_event(self, name);
}

/* the kernel controller is gone: keep the object (and caches), reconnect soon */
static void
on_remove_uevent(StasController *self, StasUevent *event)
{
	StasControllerPrivate *priv = PRIV(self);

	stas_ctrl_info(stas_controller_get_id(self), stas_uevent_get_sysname(event),
		       "Received \"remove\" event");
	unregister_device(self);
	STAS_CONTROLLER_GET_CLASS(self)->on_removed(self);
	g_clear_pointer(&priv->device, g_free);
	g_clear_pointer(&priv->sysfs, stas_nvme_ctrl_info_free);
	priv->connect_attempts = 0;
	stas_timer_set_interval(priv->retry_timer, STAS_CTRL_FAST_RETRY_SEC);
	stas_timer_start(priv->retry_timer);
}

static void
on_device_uevent(StasUdev *udev, StasUevent *event, gpointer user_data)
{
	StasController *self = user_data;
	const char *action = stas_uevent_get_action(event);

	if (PRIV(self)->cancelled)
		return;
	if (g_str_equal(action, "change"))
		on_change_uevent(self, event);
	else if (g_str_equal(action, "remove"))
		on_remove_uevent(self, event);
	else
		stas_ctrl_debug(stas_controller_get_id(self), stas_uevent_get_sysname(event),
				"uevent \"%s\" ignored", action);
}

/* ---- cancel, disconnect -------------------------------------------- */

void
stas_controller_cancel(StasController *self)
{
	StasControllerPrivate *priv;

	g_return_if_fail(STAS_IS_CONTROLLER(self));
	priv = PRIV(self);
	if (priv->cancelled)
		return;
	priv->cancelled = TRUE;
	g_cancellable_cancel(priv->cancellable);
	source_clear(&priv->connect_idle);
	stas_timer_stop(priv->retry_timer);
}

typedef struct {
	StasController *self;
	DisconnectRequest req;
	gboolean success;
} DoneCall;

static gboolean
on_done_idle(gpointer data)
{
	DoneCall *call = data;

	if (call->req.callback)
		call->req.callback(call->self, call->success, call->req.user_data);
	return G_SOURCE_REMOVE;
}

static void
done_call_free(gpointer data)
{
	DoneCall *call = data;

	g_object_unref(call->self);
	g_free(call);
}

/* the callback never runs inside the call that asked: it may drop the object */
static void
report_later(StasController *self, const DisconnectRequest *req, gboolean success)
{
	DoneCall *call = g_new0(DoneCall, 1);

	call->self = g_object_ref(self);
	call->req = *req;
	call->success = success;
	g_source_unref(idle_attach(on_done_idle, call, done_call_free));
}

static gpointer
disconnect_work(gpointer data, GError **error)
{
	char **args = data; /* sysfs root, device */

	if (stas_nvme_disconnect(args[0], args[1], error))
		return GINT_TO_POINTER(1);
	return NULL;
}

static void
disconnect_done(StasController *self, gpointer result, const GError *error, gpointer user_data)
{
	DisconnectRequest *req = user_data;
	StasControllerPrivate *priv = PRIV(self);
	/* a device that is already gone is as good as disconnected */
	gboolean ok = !error || g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND);

	if (error)
		stas_ctrl_debug(stas_controller_get_id(self), priv->device, "disconnect: %s",
				error->message);
	if (ok) {
		g_clear_pointer(&priv->device, g_free);
		g_clear_pointer(&priv->sysfs, stas_nvme_ctrl_info_free);
	}
	report_later(self, req, ok);
	g_free(req);
}

static void
disconnect_now(StasController *self, DisconnectRequest *req)
{
	StasControllerPrivate *priv = PRIV(self);
	char **args;

	unregister_device(self);
	if (!priv->device || req->keep_connection) {
		report_later(self, req, TRUE);
		g_free(req);
		return;
	}
	stas_ctrl_info(stas_controller_get_id(self), priv->device, "Disconnect initiated");
	args = g_new0(char *, 3);
	args[0] = g_strdup(stas_ctrl_env_get_sysfs_root(priv->env));
	args[1] = g_strdup(priv->device);
	/* no cancellable: the controller is cancelled, its disconnect must still run */
	stas_controller_run_work(self, disconnect_work, args, (GDestroyNotify)g_strfreev, NULL,
				 disconnect_done, req, NULL);
}

/* one at a time, and only with nothing in flight */
static void
drain_disconnects(StasController *self)
{
	StasControllerPrivate *priv = PRIV(self);

	while (priv->n_pending == 0 && !g_queue_is_empty(&priv->disconnects))
		disconnect_now(self, g_queue_pop_head(&priv->disconnects));
}

void
stas_controller_disconnect(StasController *self, gboolean keep_connection,
			   StasControllerDoneFunc callback, gpointer user_data)
{
	DisconnectRequest *req;

	g_return_if_fail(STAS_IS_CONTROLLER(self));

	stas_controller_cancel(self);
	req = g_new0(DisconnectRequest, 1);
	req->callback = callback;
	req->user_data = user_data;
	req->keep_connection = keep_connection;
	g_queue_push_tail(&PRIV(self)->disconnects, req);
	drain_disconnects(self);
}

/* ---- dictionaries -------------------------------------------------- */

static void
dict_set(GHashTable *dict, const char *key, const char *value)
{
	g_hash_table_insert(dict, g_strdup(key), g_strdup(value ? value : ""));
}

GHashTable *
stas_controller_get_id_dict(StasController *self)
{
	GHashTable *dict;

	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	dict = stas_tid_to_map(PRIV(self)->tid, TRUE);
	dict_set(dict, "device", stas_controller_get_device_name(self));
	return dict;
}

GHashTable *
stas_controller_get_info(StasController *self)
{
	StasControllerPrivate *priv;
	GHashTable *dict;
	g_autofree char *attempts = NULL;
	g_autofree char *timer = NULL;

	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	priv = PRIV(self);
	dict = stas_controller_get_id_dict(self);
	attempts = g_strdup_printf("%u", priv->connect_attempts);
	timer = stas_timer_to_string(priv->retry_timer);
	dict_set(dict, "connect attempts", attempts);
	dict_set(dict, "retry connect timer", timer);
	/* upstream's connect op lives from the attempt to its result and never retries */
	if (priv->connecting)
		dict_set(dict, "connect operation",
			 "{'fail count': 0, 'completed': False, 'alive': True}");
	STAS_CONTROLLER_GET_CLASS(self)->add_info(self, dict);
	return dict;
}

GHashTable *
stas_controller_get_details(StasController *self)
{
	const StasNvmeCtrlInfo *s;
	GHashTable *dict;

	g_return_val_if_fail(STAS_IS_CONTROLLER(self), NULL);
	s = PRIV(self)->device ? PRIV(self)->sysfs : NULL;
	dict = stas_controller_get_info(self);
	dict_set(dict, "hostid", s ? s->hostid : "");
	dict_set(dict, "hostnqn", s ? s->hostnqn : "");
	dict_set(dict, "model", s ? s->model : "");
	dict_set(dict, "serial", s ? s->serial : "");
	dict_set(dict, "dctype", s ? s->dctype : "");
	dict_set(dict, "cntrltype", s ? s->cntrltype : "");
	dict_set(dict, "connected", stas_py_bool(stas_controller_is_connected(self)));
	STAS_CONTROLLER_GET_CLASS(self)->add_details(self, dict);
	return dict;
}

/* ---- default virtual methods --------------------------------------- */

static void
default_noop(StasController *self)
{
}

static void
default_on_connect_failed(StasController *self, const GError *error)
{
}

static void
default_on_aen(StasController *self, guint32 aen)
{
}

static void
default_on_event(StasController *self, const char *event)
{
}

static gboolean
default_should_reconnect(StasController *self)
{
	return TRUE;
}

static void
default_add_dict(StasController *self, GHashTable *dict)
{
}

/* ---- GObject ------------------------------------------------------- */

static void
stas_controller_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
	StasControllerPrivate *priv = PRIV(STAS_CONTROLLER(object));

	switch (id) {
	case PROP_ENV:
		priv->env = stas_ctrl_env_ref(g_value_get_pointer(value));
		break;
	case PROP_TID:
		priv->tid = stas_tid_ref(g_value_get_pointer(value));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		break;
	}
}

static void
stas_controller_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
	StasControllerPrivate *priv = PRIV(STAS_CONTROLLER(object));

	switch (id) {
	case PROP_ENV:
		g_value_set_pointer(value, priv->env);
		break;
	case PROP_TID:
		g_value_set_pointer(value, priv->tid);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
		break;
	}
}

static void
stas_controller_constructed(GObject *object)
{
	StasController *self = STAS_CONTROLLER(object);
	StasControllerPrivate *priv = PRIV(self);

	G_OBJECT_CLASS(stas_controller_parent_class)->constructed(object);
	g_return_if_fail(priv->env != NULL && priv->tid != NULL);
	priv->retry_timer = stas_timer_new(stas_ctrl_env_get_clock(priv->env), STAS_CTRL_RETRY_SEC,
					   on_retry_timer, self);
}

static void
stas_controller_dispose(GObject *object)
{
	StasController *self = STAS_CONTROLLER(object);
	StasControllerPrivate *priv = PRIV(self);

	/* every job, probe and deferred callback holds a reference: none is left */
	if (priv->env) {
		stas_controller_cancel(self);
		unregister_device(self);
	}
	g_clear_pointer(&priv->retry_timer, stas_timer_free);
	G_OBJECT_CLASS(stas_controller_parent_class)->dispose(object);
}

static void
stas_controller_finalize(GObject *object)
{
	StasControllerPrivate *priv = PRIV(STAS_CONTROLLER(object));

	g_queue_clear_full(&priv->disconnects, g_free);
	g_clear_object(&priv->cancellable);
	g_free(priv->device);
	stas_nvme_ctrl_info_free(priv->sysfs);
	g_clear_pointer(&priv->tid, stas_tid_unref);
	g_clear_pointer(&priv->env, stas_ctrl_env_unref);
	G_OBJECT_CLASS(stas_controller_parent_class)->finalize(object);
}

static void
stas_controller_class_init(StasControllerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->set_property = stas_controller_set_property;
	object_class->get_property = stas_controller_get_property;
	object_class->constructed = stas_controller_constructed;
	object_class->dispose = stas_controller_dispose;
	object_class->finalize = stas_controller_finalize;

	klass->on_connected = default_noop;
	klass->on_connect_failed = default_on_connect_failed;
	klass->on_aen = default_on_aen;
	klass->on_event = default_on_event;
	klass->on_removed = default_noop;
	klass->should_reconnect = default_should_reconnect;
	klass->add_info = default_add_dict;
	klass->add_details = default_add_dict;

	props[PROP_ENV] = g_param_spec_pointer("env", NULL, NULL,
					       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
						       G_PARAM_STATIC_STRINGS);
	props[PROP_TID] = g_param_spec_pointer("tid", NULL, NULL,
					       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
						       G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);

	/* the last worker job in flight ended (REFERENCE 5.10: disposal may go on) */
	signals[SIGNAL_OPERATIONS_COMPLETED] =
		g_signal_new("operations-completed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
stas_controller_init(StasController *self)
{
	StasControllerPrivate *priv = PRIV(self);

	priv->cancellable = g_cancellable_new();
	g_queue_init(&priv->disconnects);
}
