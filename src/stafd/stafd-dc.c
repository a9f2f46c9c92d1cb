/* SPDX-License-Identifier: Apache-2.0 */
/* a discovery controller: registration, PLEO, log pages, aging (REFERENCE 5.5, 5.8) */
#include "config.h"

#include <time.h>

#include "stafd-dc.h"

#include "stas/stas-ctrl-op.h"
#include "stas/stas-error.h"
#include "stas/stas-log.h"

/* zeroconf-connections-persistence when no config is loaded: 72 hours */
#define DEFAULT_PERSISTENCE_SEC 259200.0

struct _StafdDc {
	StasController parent_instance;
	StasCtrlOp *register_op;
	StasCtrlOp *supported_op;
	StasCtrlOp *log_op;
	guint8 lsp;	      /* of the log op */
	GPtrArray *log_pages; /* StasDlpe*, the cache */
	StasOrigin origin;
	gboolean mdns_reported;
	gboolean unresponsive;	   /* marked: unresponsive_since is valid */
	gint64 unresponsive_since; /* wall clock, microseconds */
	StasTimer *unresponsive_timer;
};

G_DEFINE_TYPE(StafdDc, stafd_dc, STAS_TYPE_CONTROLLER)

enum {
	SIGNAL_LOG_PAGES_CHANGED,
	SIGNAL_REFERRALS_CHANGED,
	SIGNAL_UNRESPONSIVE_TIMEOUT,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

#define CTRL(self) STAS_CONTROLLER(self)
#define ID(self)   stas_controller_get_id(CTRL(self))
#define DEV(self)  stas_controller_get_device(CTRL(self))

/* upstream logs these at ERROR; g_critical means a bug here, so they are warnings */
#define dc_error(self, ...) stas_log_ctrl(G_LOG_LEVEL_WARNING, ID(self), DEV(self), __VA_ARGS__)

static void post_registration(StafdDc *self);

/* ---- the host's current view ---------------------------------------- */

static StasCtrlEnv *
dc_env(StafdDc *self)
{
	return stas_controller_get_env(CTRL(self));
}

static const char *
dc_dctype(StafdDc *self)
{
	const StasNvmeCtrlInfo *info = stas_controller_get_sysfs_info(CTRL(self));

	return info ? info->dctype : "";
}

static gboolean
pleo_enabled(StafdDc *self)
{
	StasConf *conf = stas_ctrl_env_get_conf(dc_env(self));

	return conf ? stas_conf_get_bool(conf, STAS_OPT_PLEO) : TRUE;
}

static double
persistence(StafdDc *self)
{
	StasConf *conf = stas_ctrl_env_get_conf(dc_env(self));

	return conf ? stas_conf_get_zeroconf_connections_persistence(conf)
		    : DEFAULT_PERSISTENCE_SEC;
}

static char *
device_or_error(StafdDc *self, GError **error)
{
	const char *device = DEV(self);

	if (!device) {
		g_set_error_literal(error, STAS_ERROR, STAS_ERROR_NOT_FOUND, "not connected");
		return NULL;
	}
	return g_strdup(device);
}

static void
kill_op(StasCtrlOp **op)
{
	g_clear_pointer(op, stas_ctrl_op_free);
}

/* ---- registration (DIM) --------------------------------------------- */

typedef struct {
	char *device;
	char *symname;
} DimInput;

typedef struct {
	char *status; /* the DC answered with an error status: upstream's text */
	gboolean unsupported;
} DimResult;

static void
dim_input_free(gpointer data)
{
	DimInput *in = data;

	g_free(in->device);
	g_free(in->symname);
	g_free(in);
}

static void
dim_result_free(gpointer data)
{
	DimResult *r = data;

	g_free(r->status);
	g_free(r);
}

static gpointer
dim_prepare(StasController *ctrl, GError **error)
{
	StasSysConf *sys = stas_ctrl_env_get_sysconf(stas_controller_get_env(ctrl));
	g_autofree char *device = device_or_error(STAFD_DC(ctrl), error);
	DimInput *in;

	if (!device)
		return NULL;
	in = g_new0(DimInput, 1);
	in->device = g_steal_pointer(&device);
	/* Q15: the symbolic name of the current sys.conf */
	in->symname = g_strdup(sys ? stas_sysconf_get_symname(sys) : NULL);
	return in;
}

/* an exchange that completed with an error status is an answer, not a failure (upstream) */
static gpointer
dim_work(gpointer data, GError **error)
{
	DimInput *in = data;
	DimResult *r = g_new0(DimResult, 1);
	GError *local = NULL;

	if (stas_nvme_dim_register(in->device, in->symname, &local))
		return r;
	if (g_error_matches(local, STAS_ERROR, STAS_ERROR_FAILED)) {
		r->status = g_strdup(local->message);
	} else if (g_error_matches(local, STAS_ERROR, STAS_ERROR_UNSUPPORTED)) {
		r->unsupported = TRUE;
	} else {
		g_propagate_error(error, local);
		dim_result_free(r);
		return NULL;
	}
	g_error_free(local);
	return r;
}

static void
dim_done(StasController *ctrl, StasCtrlOp *op, gpointer result, const GError *error)
{
	StafdDc *self = STAFD_DC(ctrl);
	DimResult *r = result;

	if (error) {
		if (stas_ctrl_op_get_fail_count(op) == 1)
			dc_error(self, "Failed to register with Discovery Controller. %s",
				 error->message);
		stas_ctrl_op_retry(op, STAFD_DC_REGISTRATION_RETRY_SEC);
		return;
	}
	if (r->status) {
		stas_ctrl_warning(ID(self), DEV(self), "Registration error. %s.", r->status);
	} else if (r->unsupported) {
		/* dctype was not known: the DC does not take DIM, resyncs skip it */
		stas_ctrl_debug(ID(self), DEV(self), "explicit registration not supported");
		kill_op(&self->register_op);
	}
	dim_result_free(r);
	post_registration(self);
}

static const StasCtrlOpDesc dim_desc = {
	.name = "register",
	.prepare = dim_prepare,
	.work = dim_work,
	.input_free = dim_input_free,
	.result_free = dim_result_free,
	.done = dim_done,
};

/* ---- supported log pages (PLEO) ------------------------------------ */

typedef struct {
	gboolean answered;	   /* FALSE: the DC has no such log (counts as no support) */
	guint32 discovery_support; /* lid_support[0x70] */
} SupportedResult;

static gpointer
device_prepare(StasController *ctrl, GError **error)
{
	return device_or_error(STAFD_DC(ctrl), error);
}

static gpointer
supported_work(gpointer data, GError **error)
{
	guint32 lids[STAS_NVME_SUPPORTED_LOG_PAGES] = {0};
	SupportedResult *r = g_new0(SupportedResult, 1);
	GError *local = NULL;

	if (stas_nvme_get_supported_log_pages(data, lids, &local)) {
		r->answered = TRUE;
		r->discovery_support = lids[STAS_NVME_LOG_LID_DISCOVERY];
		return r;
	}
	if (g_error_matches(local, STAS_ERROR, STAS_ERROR_UNSUPPORTED)) {
		g_error_free(local);
		return r;
	}
	g_propagate_error(error, local);
	g_free(r);
	return NULL;
}

static void start_log(StafdDc *self, guint8 lsp);

static void
supported_done(StasController *ctrl, StasCtrlOp *op, gpointer result, const GError *error)
{
	StafdDc *self = STAFD_DC(ctrl);
	SupportedResult *r = result;
	guint32 lid_specific;

	if (error) {
		if (stas_ctrl_op_get_fail_count(op) == 1)
			dc_error(self,
				 "Failed to Get supported log pages from Discovery Controller. %s",
				 error->message);
		stas_ctrl_op_retry(op, STAFD_DC_SUPPORTED_RETRY_SEC);
		return;
	}
	/* the LID specific bits: bit0 EXTDLPES, bit1 PLEOS, bit2 ALLSUBES */
	lid_specific = r->answered ? r->discovery_support >> 16 : 0;
	g_free(r);
	stas_ctrl_debug(ID(self), DEV(self), "discovery log page support: 0x%x", lid_specific);
	start_log(self, (lid_specific & 0x2) ? STAS_NVME_DLP_LSP_PLEO : 0);
}

static const StasCtrlOpDesc supported_desc = {
	.name = "get supported log pages",
	.prepare = device_prepare,
	.work = supported_work,
	.input_free = g_free,
	.result_free = g_free,
	.done = supported_done,
};

/* ---- discovery log ------------------------------------------------- */

typedef struct {
	char *device;
	guint8 lsp;
	char *source; /* the DC's TID string: diagnostics name it */
} LogInput;

static void
log_input_free(gpointer data)
{
	LogInput *in = data;

	g_free(in->device);
	g_free(in->source);
	g_free(in);
}

static gpointer
log_prepare(StasController *ctrl, GError **error)
{
	g_autofree char *device = device_or_error(STAFD_DC(ctrl), error);
	LogInput *in;

	if (!device)
		return NULL;
	in = g_new0(LogInput, 1);
	in->device = g_steal_pointer(&device);
	in->lsp = STAFD_DC(ctrl)->lsp;
	in->source = g_strdup(stas_controller_get_id(ctrl));
	return in;
}

/* read and parse on the worker: a log may hold thousands of entries */
static gpointer
log_work(gpointer data, GError **error)
{
	LogInput *in = data;
	g_autoptr(GBytes) raw = stas_nvme_get_discovery_log(in->device, in->lsp, error);
	gsize len = 0;
	const guint8 *bytes;

	if (!raw)
		return NULL;
	bytes = g_bytes_get_data(raw, &len);
	return stas_dlpe_log_parse(bytes, len, in->source, error);
}

static void
log_store(StafdDc *self, StasDlpeLog *log)
{
	GPtrArray *old = self->log_pages;
	gboolean changed = !stas_dlpe_list_equal(old, log->entries);
	gboolean referrals =
		!stas_dlpe_list_equal_subtype(old, log->entries, STAS_DLPE_SUBTYPE_REFERRAL);

	self->log_pages = g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);
	for (guint i = 0; i < log->entries->len; i++)
		g_ptr_array_add(self->log_pages, stas_dlpe_ref(log->entries->pdata[i]));
	g_ptr_array_unref(old);
	stas_ctrl_info(ID(self), DEV(self), "Received discovery log pages (num records=%u).",
		       self->log_pages->len);
	if (changed)
		g_signal_emit(self, signals[SIGNAL_LOG_PAGES_CHANGED], 0);
	if (referrals)
		g_signal_emit(self, signals[SIGNAL_REFERRALS_CHANGED], 0);
}

static void
log_done(StasController *ctrl, StasCtrlOp *op, gpointer result, const GError *error)
{
	StafdDc *self = STAFD_DC(ctrl);
	g_autoptr(StasDlpeLog) log = result;

	if (error) {
		if (stas_ctrl_op_get_fail_count(op) == 1)
			dc_error(self, "Failed to retrieve log pages. %s", error->message);
		stas_ctrl_op_retry(op, STAFD_DC_GET_LOG_RETRY_SEC);
		return;
	}
	/* entries the parser refused: named by DC, index and field */
	for (guint i = 0; i < log->diagnostics->len; i++)
		stas_ctrl_warning(ID(self), DEV(self), "%s", (char *)log->diagnostics->pdata[i]);
	log_store(self, log);
}

static const StasCtrlOpDesc log_desc = {
	.name = "get log page",
	.prepare = log_prepare,
	.work = log_work,
	.input_free = log_input_free,
	.result_free = (GDestroyNotify)stas_dlpe_log_unref,
	.done = log_done,
};

/* ---- the chain ----------------------------------------------------- */

static void
start_log(StafdDc *self, guint8 lsp)
{
	kill_op(&self->log_op);
	self->lsp = lsp;
	self->log_op = stas_ctrl_op_new(CTRL(self), &log_desc);
	stas_ctrl_op_run(self->log_op);
}

/* PLEO only matters to a DDC (an unknown dctype counts as one) */
static void
post_registration(StafdDc *self)
{
	kill_op(&self->supported_op);
	kill_op(&self->log_op);
	if (pleo_enabled(self) && !g_str_equal(dc_dctype(self), "cdc")) {
		self->supported_op = stas_ctrl_op_new(CTRL(self), &supported_desc);
		stas_ctrl_op_run(self->supported_op);
		return;
	}
	start_log(self, 0);
}

static void
kill_ops(StafdDc *self)
{
	kill_op(&self->register_op);
	kill_op(&self->supported_op);
	kill_op(&self->log_op);
}

static void
clear_unresponsive(StafdDc *self)
{
	self->unresponsive = FALSE;
	stas_timer_stop(self->unresponsive_timer);
	stas_timer_set_interval(self->unresponsive_timer, 0);
}

static void
dc_on_connected(StasController *ctrl)
{
	StafdDc *self = STAFD_DC(ctrl);
	const char *dctype = dc_dctype(self);

	clear_unresponsive(self);
	kill_ops(self);
	/* "" (no dctype in sysfs, old kernel): the seam asks the DC itself */
	if (g_str_equal(dctype, "cdc") || g_str_equal(dctype, "ddc") || *dctype == '\0') {
		self->register_op = stas_ctrl_op_new(ctrl, &dim_desc);
		stas_ctrl_op_run(self->register_op);
		return;
	}
	post_registration(self);
}

void
stafd_dc_resync(StafdDc *self)
{
	g_return_if_fail(STAFD_IS_DC(self));

	if (self->register_op)
		stas_ctrl_op_run(self->register_op);
	else if (self->supported_op)
		stas_ctrl_op_run(self->supported_op);
	else if (self->log_op)
		stas_ctrl_op_run(self->log_op);
}

static void
dc_on_aen(StasController *ctrl, guint32 aen)
{
	StafdDc *self = STAFD_DC(ctrl);

	if (aen == STAS_AEN_DLP_CHANGED && self->log_op)
		stas_ctrl_op_run(self->log_op);
}

static void
dc_on_event(StasController *ctrl, const char *event)
{
	if (g_str_equal(event, "connected") || g_str_equal(event, "rediscover"))
		stafd_dc_resync(STAFD_DC(ctrl));
}

/* the device is gone: its operations with it; the cache stays for stacd */
static void
dc_on_removed(StasController *ctrl)
{
	kill_ops(STAFD_DC(ctrl));
}

static void
dc_on_connect_failed(StasController *ctrl, const GError *error)
{
	stafd_dc_check_unresponsive(STAFD_DC(ctrl));
}

/* ---- log page cache ------------------------------------------------ */

GPtrArray *
stafd_dc_get_log_pages(StafdDc *self)
{
	g_return_val_if_fail(STAFD_IS_DC(self), NULL);
	return self->log_pages;
}

GPtrArray *
stafd_dc_get_referrals(StafdDc *self)
{
	GPtrArray *out;

	g_return_val_if_fail(STAFD_IS_DC(self), NULL);
	out = g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);
	for (guint i = 0; i < self->log_pages->len; i++) {
		StasDlpe *e = self->log_pages->pdata[i];

		if (e->subtype == STAS_DLPE_SUBTYPE_REFERRAL)
			g_ptr_array_add(out, stas_dlpe_ref(e));
	}
	return out;
}

void
stafd_dc_restore_log_pages(StafdDc *self, GPtrArray *entries)
{
	g_return_if_fail(STAFD_IS_DC(self));

	g_ptr_array_set_size(self->log_pages, 0);
	for (guint i = 0; entries && i < entries->len; i++)
		g_ptr_array_add(self->log_pages, stas_dlpe_ref(entries->pdata[i]));
}

/* ---- origin and aging ---------------------------------------------- */

static int
origin_rank(StasOrigin origin)
{
	switch (origin) {
	case STAS_ORIGIN_CONFIGURED:
		return 3;
	case STAS_ORIGIN_REFERRAL:
		return 2;
	case STAS_ORIGIN_DISCOVERED:
		return 1;
	case STAS_ORIGIN_NONE:
	default:
		return 0;
	}
}

StasOrigin
stafd_dc_origin_merge(StasOrigin a, StasOrigin b)
{
	return origin_rank(a) >= origin_rank(b) ? a : b;
}

StasOrigin
stafd_dc_get_origin(StafdDc *self)
{
	g_return_val_if_fail(STAFD_IS_DC(self), STAS_ORIGIN_NONE);
	return self->origin;
}

void
stafd_dc_set_origin(StafdDc *self, StasOrigin origin)
{
	g_return_if_fail(STAFD_IS_DC(self));

	if (origin_rank(origin) == 0) {
		dc_error(self, "Trying to set invalid origin to %d", (int)origin);
		return;
	}
	self->origin = origin;
	stafd_dc_check_unresponsive(self);
}

gboolean
stafd_dc_set_origin_string(StafdDc *self, const char *origin)
{
	StasOrigin value;

	g_return_val_if_fail(STAFD_IS_DC(self), FALSE);

	if (!origin || !stas_origin_from_string(origin, &value)) {
		dc_error(self, "Trying to set invalid origin to %s", origin ? origin : "None");
		return FALSE;
	}
	stafd_dc_set_origin(self, value);
	return TRUE;
}

void
stafd_dc_set_mdns_reported(StafdDc *self, gboolean reported)
{
	g_return_if_fail(STAFD_IS_DC(self));
	self->mdns_reported = !!reported;
}

/* time.ctime()/asctime(): "Tue Apr  7 12:39:43 2026", English whatever the locale */
static char *
format_ctime(gint64 seconds)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)seconds;
	struct tm tm;

	if (!localtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11)
		return g_strdup("---");
	return g_strdup_printf("%s %s %2d %02d:%02d:%02d %d", days[tm.tm_wday], months[tm.tm_mon],
			       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

static void
mark_unresponsive(StafdDc *self, double timeout)
{
	StasClock *clock = stas_ctrl_env_get_clock(dc_env(self));
	g_autofree char *until = NULL;

	if (self->unresponsive)
		return;
	self->unresponsive = TRUE;
	self->unresponsive_since = stas_clock_get_real_time(clock);
	stas_timer_set_interval(self->unresponsive_timer, timeout);
	stas_timer_start(self->unresponsive_timer);
	until = format_ctime(self->unresponsive_since / G_USEC_PER_SEC +
			     (gint64)MIN(timeout, 1e12));
	stas_ctrl_info(ID(self), DEV(self),
		       "Controller is not responding. Will be removed by %s unless restored",
		       until);
}

void
stafd_dc_check_unresponsive(StafdDc *self)
{
	double timeout;

	g_return_if_fail(STAFD_IS_DC(self));

	if (self->origin != STAS_ORIGIN_DISCOVERED)
		return;
	if (!self->mdns_reported && !stas_controller_is_connected(CTRL(self))) {
		timeout = persistence(self);
		if (timeout >= 0) {
			mark_unresponsive(self, timeout);
			return;
		}
		stas_ctrl_info(ID(self), DEV(self), "Controller not responding. Retrying...");
	}
	clear_unresponsive(self);
}

gboolean
stafd_dc_is_unresponsive(StafdDc *self)
{
	g_return_val_if_fail(STAFD_IS_DC(self), FALSE);

	return self->origin == STAS_ORIGIN_DISCOVERED && !self->mdns_reported &&
	       !stas_controller_is_connected(CTRL(self)) && self->unresponsive &&
	       stas_timer_get_remaining(self->unresponsive_timer) <= 0;
}

static void
on_unresponsive_timer(gpointer data)
{
	g_signal_emit(data, signals[SIGNAL_UNRESPONSIVE_TIMEOUT], 0);
}

void
stafd_dc_reload(StafdDc *self)
{
	g_return_if_fail(STAFD_IS_DC(self));

	stafd_dc_check_unresponsive(self);
	stafd_dc_resync(self);
}

/* ---- dictionaries -------------------------------------------------- */

static void
add_op(GHashTable *info, const char *key, StasCtrlOp *op)
{
	if (op)
		g_hash_table_insert(info, g_strdup(key), stas_ctrl_op_to_repr(op));
}

static void
add_aging(StafdDc *self, GHashTable *info)
{
	double timeout = persistence(self);
	g_autofree char *number = stas_format_py_number(timeout);

	g_hash_table_insert(info, g_strdup("unresponsive timer"),
			    stas_timer_to_string(self->unresponsive_timer));
	g_hash_table_insert(info, g_strdup("unresponsive timeout"),
			    timeout >= 0 ? g_strdup_printf("%s sec", number) : g_strdup("forever"));
	g_hash_table_insert(info, g_strdup("unresponsive time"),
			    self->unresponsive
				    ? format_ctime(self->unresponsive_since / G_USEC_PER_SEC)
				    : g_strdup("---"));
}

static void
dc_add_info(StasController *ctrl, GHashTable *info)
{
	StafdDc *self = STAFD_DC(ctrl);
	const char *origin = stas_origin_to_string(self->origin);

	add_op(info, "get log page operation", self->log_op);
	add_op(info, "register operation", self->register_op);
	add_op(info, "get supported log page operation", self->supported_op);
	g_hash_table_insert(info, g_strdup("origin"), g_strdup(origin ? origin : ""));
	if (self->origin == STAS_ORIGIN_DISCOVERED)
		add_aging(self, info);
}

/* ---- GObject ------------------------------------------------------- */

StafdDc *
stafd_dc_new(StasCtrlEnv *env, StasTid *tid, StasOrigin origin)
{
	StafdDc *self;

	g_return_val_if_fail(env != NULL && tid != NULL, NULL);

	self = g_object_new(STAFD_TYPE_DC, "env", env, "tid", tid, NULL);
	self->origin = origin_rank(origin) ? origin : STAS_ORIGIN_CONFIGURED;
	return self;
}

static void
stafd_dc_constructed(GObject *object)
{
	StafdDc *self = STAFD_DC(object);

	G_OBJECT_CLASS(stafd_dc_parent_class)->constructed(object);
	self->unresponsive_timer = stas_timer_new(stas_ctrl_env_get_clock(dc_env(self)), 0,
						  on_unresponsive_timer, self);
}

static void
stafd_dc_dispose(GObject *object)
{
	StafdDc *self = STAFD_DC(object);

	kill_ops(self);
	g_clear_pointer(&self->unresponsive_timer, stas_timer_free);
	G_OBJECT_CLASS(stafd_dc_parent_class)->dispose(object);
}

static void
stafd_dc_finalize(GObject *object)
{
	StafdDc *self = STAFD_DC(object);

	g_ptr_array_unref(self->log_pages);
	G_OBJECT_CLASS(stafd_dc_parent_class)->finalize(object);
}

static void
stafd_dc_class_init(StafdDcClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	StasControllerClass *ctrl_class = STAS_CONTROLLER_CLASS(klass);

	object_class->constructed = stafd_dc_constructed;
	object_class->dispose = stafd_dc_dispose;
	object_class->finalize = stafd_dc_finalize;
	ctrl_class->discovery = TRUE;
	ctrl_class->on_connected = dc_on_connected;
	ctrl_class->on_connect_failed = dc_on_connect_failed;
	ctrl_class->on_aen = dc_on_aen;
	ctrl_class->on_event = dc_on_event;
	ctrl_class->on_removed = dc_on_removed;
	ctrl_class->add_info = dc_add_info;

	/* the cached entries changed (not emitted for an identical re-read, Q25) */
	signals[SIGNAL_LOG_PAGES_CHANGED] =
		g_signal_new("log-pages-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
	/* the referral entries changed: referral DCs need reconciling */
	signals[SIGNAL_REFERRALS_CHANGED] =
		g_signal_new("referrals-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
	/* an unresponsive discovered DC ran out of persistence: time to reconcile */
	signals[SIGNAL_UNRESPONSIVE_TIMEOUT] =
		g_signal_new("unresponsive-timeout", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
			     NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
stafd_dc_init(StafdDc *self)
{
	self->log_pages = g_ptr_array_new_with_free_func((GDestroyNotify)stas_dlpe_unref);
	self->origin = STAS_ORIGIN_CONFIGURED;
}
