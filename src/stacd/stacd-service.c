/* SPDX-License-Identifier: Apache-2.0 */
/* stacd's service: wanted controllers, reconciliation, audits, state, reload, shutdown */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <json-glib/json-glib.h>
#include <systemd/sd-daemon.h>

#include "stacd-reconcile.h"
#include "stacd-service.h"

#include "stas/stas-ctrl-index.h"
#include "stas/stas-ctrl-spec.h"
#include "stas/stas-daemon.h"
#include "stas/stas-error.h"
#include "stas/stas-iputil.h"
#include "stas/stas-log.h"
#include "stas/stas-nbft.h"
#include "stas/stas-nvme.h"
#include "stas/stas-state.h"
#include "stas/stas-terminator.h"

struct _StacdService {
	GObject parent_instance;

	/* options, copied */
	char *conf_path;
	char *sysconf_path;
	gboolean tron_cli;
	char *nbft_dir;
	char *state_path;

	StasConf *conf;
	StasSysConf *sysconf;
	StasCtrlEnv *env;
	StasUdev *udev;
	StasTerminator *terminator;

	GHashTable *iocs;     /* StasTid* -> StacdIoc* (both referenced) */
	GPtrArray *nbft_iocs; /* GHashTable* candidates, read once (REFERENCE 5.14, B7) */
	StasTimer *soak;
	StasTimer *add_soak;  /* audits: sysfs of a new device settles (5.9.4) */
	StasTimer *save_soon; /* connects and removes reach the state file in batches */

	/* stafd */
	StacdLogPagesSource source;
	gpointer source_data;
	gboolean stafd_present;
	gboolean stafd_seen;	/* it was on the bus once: its loss means a long soak */
	gboolean fetch_failing; /* only the first failure of a streak is a warning */
	GHashTable *dlpes;	/* StasTid* -> GHashTable*: stafd's last good answer */
	gboolean dlpes_known;	/* stafd answered once since start (B2) */

	GCancellable *reconciling; /* the pass in progress, if any */
	gboolean again;		   /* triggered while a pass was in progress */
	gboolean auditing;	   /* registered for add uevents */
	gboolean started;
	gboolean stopping;
	guint n_disposing;
};

G_DEFINE_TYPE(StacdService, stacd_service, G_TYPE_OBJECT)

enum {
	SIGNAL_STOPPED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

static void reconcile(StacdService *self);
static void trigger(StacdService *self);
static void save_state(StacdService *self);

/* ---- configuration ----------------------------------------------------- */

static const char *
host_nqn(StacdService *self)
{
	const char *nqn = self->sysconf ? stas_sysconf_get_hostnqn(self->sysconf) : NULL;

	return nqn ? nqn : "";
}

void
stacd_service_get_tid_defaults(StacdService *self, StasTidDefaults *out)
{
	stas_conf_get_tid_defaults(self->conf, host_nqn(self), out);
}

static void
apply_tron(StacdService *self)
{
	gboolean tron = self->tron_cli || stas_conf_get_bool(self->conf, STAS_OPT_TRON);

	stas_log_set_tron(tron);
	stas_ctrl_env_set_tron(self->env, tron);
}

gboolean
stacd_service_get_tron(StacdService *self)
{
	return stas_log_get_tron();
}

void
stacd_service_set_tron(StacdService *self, gboolean tron)
{
	/* not persisted: a reload takes the config value again (REFERENCE 3.2) */
	stas_log_set_tron(tron);
	stas_ctrl_env_set_tron(self->env, tron);
	g_message("Trace %s", tron ? "ON" : "OFF");
}

static gboolean
load_sysconf(StacdService *self, GError **error)
{
	g_autoptr(StasSysConf) sysconf = stas_sysconf_load(self->sysconf_path, error);

	if (sysconf == NULL)
		return FALSE;
	stas_daemon_log_diagnostics(stas_sysconf_get_diagnostics(sysconf));
	g_clear_pointer(&self->sysconf, stas_sysconf_unref);
	self->sysconf = g_steal_pointer(&sysconf);
	stas_ctrl_env_set_sysconf(self->env, self->sysconf);
	return TRUE;
}

static void
load_conf(StacdService *self)
{
	g_autoptr(StasConf) conf = stas_conf_load(STAS_CONF_KIND_STACD, self->conf_path);

	stas_daemon_log_diagnostics(stas_conf_get_diagnostics(conf));
	g_clear_pointer(&self->conf, stas_conf_unref);
	self->conf = g_steal_pointer(&conf);
	stas_ctrl_env_set_conf(self->env, self->conf);
	apply_tron(self);
}

/* ---- NBFT subsystems: boot connections, configured IOCs (B7), read once ---- */

static void
load_nbft(StacdService *self)
{
	g_auto(GStrv) files = stas_nbft_list_files(self->nbft_dir);
	g_autofree char *list = NULL;

	self->nbft_iocs = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	if (files == NULL || files[0] == NULL)
		return;
	list = g_strjoinv("', '", files);
	g_info("NBFT location(s): ['%s']", list);
	for (guint i = 0; files[i]; i++) {
		g_autoptr(GError) perr = NULL;
		g_autoptr(StasNbft) nbft = stas_nbft_parse_file(files[i], &perr);
		g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) iocs = NULL;

		if (nbft == NULL) {
			g_warning("NBFT %s ignored: %s", files[i], perr->message);
			continue;
		}
		iocs = stas_nbft_ioc_candidates(nbft, stas_ctrl_env_get_ifaces(self->env), diags);
		stas_daemon_log_strings(diags, G_LOG_LEVEL_WARNING);
		for (guint j = 0; j < iocs->len; j++)
			g_ptr_array_add(self->nbft_iocs,
					g_hash_table_ref(g_ptr_array_index(iocs, j)));
	}
}

static GPtrArray *
nbft_tids(StacdService *self)
{
	GPtrArray *tids = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	StasTidDefaults defaults;

	stacd_service_get_tid_defaults(self, &defaults);
	for (guint i = 0; self->nbft_iocs && i < self->nbft_iocs->len; i++)
		g_ptr_array_add(tids, stas_tid_new_from_map(g_ptr_array_index(self->nbft_iocs, i),
							    &defaults));
	return tids;
}

/* ---- the controller table ------------------------------------------------- */

static void
save_soon(StacdService *self)
{
	if (!self->stopping && !stas_timer_is_running(self->save_soon))
		stas_timer_start(self->save_soon);
}

static void
on_ioc_device_changed(StacdIoc *ioc, gpointer data)
{
	save_soon(data);
}

static StacdIoc *
add_ioc(StacdService *self, StasTid *tid, StacdOrigin origin)
{
	StacdIoc *ioc = stacd_ioc_new(self->env, tid, origin);

	g_signal_connect_object(ioc, "device-changed", G_CALLBACK(on_ioc_device_changed), self, 0);
	g_hash_table_insert(self->iocs, stas_tid_ref(tid), ioc);
	return ioc;
}

static void
on_ioc_disposed(StasController *ctrl, gboolean success, gpointer data)
{
	StacdService *self = data;

	if (!success)
		stas_ctrl_warning(stas_controller_get_id(ctrl), stas_controller_get_device(ctrl),
				  "Failed to disconnect");
	self->n_disposing--;
	if (self->stopping && self->n_disposing == 0)
		g_signal_emit(self, signals[SIGNAL_STOPPED], 0);
	g_object_unref(self);
}

static void
remove_ioc(StacdService *self, const StasTid *tid, gboolean keep_connection)
{
	g_autoptr(StasTid) key = NULL;
	g_autoptr(StacdIoc) ioc = NULL;

	if (!g_hash_table_steal_extended(self->iocs, tid, (gpointer *)&key, (gpointer *)&ioc))
		return;
	self->n_disposing++;
	stas_terminator_dispose(self->terminator, STAS_CONTROLLER(ioc), keep_connection,
				on_ioc_disposed, g_object_ref(self));
}

static gint
compare_ioc_ids(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(stas_controller_get_id(*(StasController **)a),
			 stas_controller_get_id(*(StasController **)b));
}

GPtrArray *
stacd_service_get_iocs(StacdService *self)
{
	GPtrArray *iocs = g_ptr_array_new_with_free_func(g_object_unref);
	GHashTableIter iter;
	gpointer ioc;

	g_hash_table_iter_init(&iter, self->iocs);
	while (g_hash_table_iter_next(&iter, NULL, &ioc))
		g_ptr_array_add(iocs, g_object_ref(ioc));
	g_ptr_array_sort(iocs, compare_ioc_ids);
	return iocs;
}

StacdIoc *
stacd_service_find_ioc(StacdService *self, const StasTid *tid)
{
	return g_hash_table_lookup(self->iocs, tid);
}

/* the device of each controller: connected, or the one it will attach to */
static GHashTable *
devices_in_use(StacdService *self)
{
	GHashTable *devices = g_hash_table_new(g_str_hash, g_str_equal);
	StasIfaceTable *ifaces = stas_ctrl_env_get_ifaces(self->env);
	GHashTableIter iter;
	gpointer key, ioc;

	g_hash_table_iter_init(&iter, self->iocs);
	while (g_hash_table_iter_next(&iter, &key, &ioc)) {
		const char *dev = stas_controller_get_device(STAS_CONTROLLER(ioc));

		if (dev == NULL && !stas_controller_is_cancelled(STAS_CONTROLLER(ioc)))
			dev = stas_udev_index_find_existing(self->udev, key, STAS_TID_KIND_IOC,
							    ifaces);
		if (dev)
			g_hash_table_add(devices, (gpointer)dev);
	}
	return devices;
}

/* ---- last-known state (REFERENCE 5.12): the connections stacd owns ------------ */

static StasOrigin
state_origin(StacdOrigin origin)
{
	return origin == STACD_ORIGIN_DISCOVERED ? STAS_ORIGIN_DISCOVERED : STAS_ORIGIN_CONFIGURED;
}

static void
save_state(StacdService *self)
{
	g_autoptr(StasState) state = stas_state_new();
	g_autoptr(GPtrArray) iocs = stacd_service_get_iocs(self);
	g_autoptr(GError) error = NULL;

	stas_timer_stop(self->save_soon);
	for (guint i = 0; i < iocs->len; i++) {
		StacdIoc *ioc = g_ptr_array_index(iocs, i);
		StasController *ctrl = STAS_CONTROLLER(ioc);

		/* what stacd made and has (or is about to attach to, from this file) */
		if (stacd_ioc_get_origin(ioc) == STACD_ORIGIN_AUDIT || !stacd_ioc_is_owned(ioc))
			continue;
		if (!stas_controller_is_connected(ctrl) && !stacd_ioc_is_claimed(ioc))
			continue;
		stas_state_add(state, stas_controller_get_tid(ctrl),
			       stas_controller_get_device(ctrl),
			       state_origin(stacd_ioc_get_origin(ioc)), NULL);
	}
	if (!stas_state_save(state, self->state_path, &error))
		g_warning("Unable to save last known config: %s", error->message);
}

static void
on_save_soon(gpointer data)
{
	save_state(data);
}

/* the configured TID equal to tid, which carries the secrets the file does not */
static StasTid *
with_configured_cfg(StacdService *self, StasTid *tid)
{
	const GPtrArray *specs = stas_conf_get_controllers(self->conf);
	StasTidDefaults defaults;

	stacd_service_get_tid_defaults(self, &defaults);
	for (guint i = 0; i < specs->len; i++) {
		const StasConfSpec *spec = g_ptr_array_index((GPtrArray *)specs, i);
		g_autoptr(StasTid) conf_tid = stas_tid_new_from_map(spec->map, &defaults);

		if (stas_tid_equal(conf_tid, tid))
			return g_steal_pointer(&conf_tid);
	}
	return stas_tid_ref(tid);
}

/* a saved controller is stacd's again if its kernel connection is still the one saved */
static void
restore_ioc(StacdService *self, const StasStateController *rec)
{
	g_autoptr(StasTid) tid = with_configured_cfg(self, rec->tid);
	const char *dev;
	StacdIoc *ioc;

	if (g_hash_table_contains(self->iocs, tid))
		return;
	dev = stas_udev_index_find_existing(self->udev, tid, STAS_TID_KIND_IOC,
					    stas_ctrl_env_get_ifaces(self->env));
	if (dev == NULL || (rec->device && *rec->device && !g_str_equal(dev, rec->device))) {
		g_debug("%s: no longer connected as saved: not restored", stas_tid_to_string(tid));
		return;
	}
	ioc = add_ioc(self, tid,
		      rec->origin == STAS_ORIGIN_DISCOVERED ? STACD_ORIGIN_DISCOVERED
							    : STACD_ORIGIN_CONFIGURED);
	stacd_ioc_claim(ioc);
	stas_controller_start(STAS_CONTROLLER(ioc));
}

static void
load_state(StacdService *self)
{
	StasTidDefaults defaults;
	g_autoptr(GError) error = NULL;
	g_autoptr(StasState) state = NULL;

	stacd_service_get_tid_defaults(self, &defaults);
	state = stas_state_load(self->state_path, &defaults, &error);
	if (state == NULL) {
		if (!g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND))
			g_warning("Ignoring last known config: %s", error->message);
		return;
	}
	stas_daemon_log_strings(state->diagnostics, G_LOG_LEVEL_WARNING);
	for (guint i = 0; i < state->controllers->len; i++)
		restore_ioc(self, g_ptr_array_index(state->controllers, i));
}

/* ---- connection audits (REFERENCE 5.9.4) ---------------------------------- */

static gboolean
audit_mode(StacdService *self)
{
	return stas_conf_get_disconnect_scope(self->conf) ==
	       STAS_DISCONNECT_SCOPE_ALL_CONNECTIONS_MATCHING_DISCONNECT_TRTYPES;
}

typedef struct {
	StacdService *self;
	GHashTable *in_use; /* device names */
	GPtrArray *found;   /* StasTid* to adopt */
	GPtrArray *devices; /* char*, the kernel device of each found TID */
} Audit;

/* the kernel device an audit adopted: disconnected by name if the attach never worked */
#define AUDIT_DEVICE_KEY "stacd-audit-device"

static void
audit_one(const char *sysname, const StasExistingCtrl *ctrl, gpointer data)
{
	Audit *a = data;
	StacdService *self = a->self;
	StasTid *tid;

	if (!stas_existing_ctrl_is_ioc(ctrl) || g_hash_table_contains(a->in_use, sysname) ||
	    !(stacd_trtype_from_string(ctrl->transport) &
	      stas_conf_get_disconnect_trtypes(self->conf)))
		return;
	tid = stas_existing_ctrl_to_tid(ctrl, stas_ctrl_env_get_ifaces(self->env),
					stas_conf_get_bool(self->conf, STAS_OPT_IGNORE_IFACE));
	g_ptr_array_add(a->found, tid);
	g_ptr_array_add(a->devices, g_strdup(sysname));
}

/* adopt every kernel IOC of the audited transports that nothing manages */
static void
audit(StacdService *self)
{
	g_autoptr(GHashTable) in_use = devices_in_use(self);
	g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func(g_free);
	Audit a = {self, in_use, found, devices};
	guint grew = 0;

	if (self->stopping || !audit_mode(self))
		return;
	stas_udev_index_foreach(self->udev, audit_one, &a);
	g_clear_pointer(&in_use, g_hash_table_unref); /* borrows names of the index */
	for (guint i = 0; i < found->len; i++) {
		StasTid *tid = g_ptr_array_index(found, i);
		StacdIoc *ioc;

		if (g_hash_table_contains(self->iocs, tid) ||
		    stas_terminator_pending_disposal(self->terminator, tid))
			continue;
		g_debug("%s: adopted by the connection audit", stas_tid_to_string(tid));
		ioc = add_ioc(self, tid, STACD_ORIGIN_AUDIT);
		g_object_set_data_full(G_OBJECT(ioc), AUDIT_DEVICE_KEY,
				       g_strdup(g_ptr_array_index(devices, i)), g_free);
		stas_controller_start(STAS_CONTROLLER(ioc));
		grew++;
	}
	if (grew)
		trigger(self);
}

static void
on_add_soak(gpointer data)
{
	audit(data);
}

static void
on_uevent_add(StasUdev *udev, StasUevent *event, gpointer data)
{
	StacdService *self = data;

	stas_timer_start(self->add_soak);
}

/* evaluated at start and on every reload; an enabled audit runs at once */
static void
configure_audits(StacdService *self)
{
	gboolean on = audit_mode(self) && !self->stopping;

	if (on && !self->auditing)
		stas_udev_register_action(self->udev, "add", on_uevent_add, self);
	else if (!on && self->auditing)
		stas_udev_unregister_action(self->udev, "add", on_uevent_add, self);
	self->auditing = on;
	if (!on) {
		stas_timer_stop(self->add_soak);
		return;
	}
	audit(self);
}

/* ---- stafd's entries ----------------------------------------------------- */

void
stacd_service_set_log_pages_source(StacdService *self, const StacdLogPagesSource *vtable,
				   gpointer source)
{
	g_return_if_fail(STACD_IS_SERVICE(self));

	if (vtable)
		self->source = *vtable;
	else
		memset(&self->source, 0, sizeof(self->source));
	self->source_data = source;
}

gboolean
stacd_service_stafd_is_present(StacdService *self)
{
	return self->stafd_present;
}

void
stacd_service_stafd_appeared(StacdService *self)
{
	g_return_if_fail(STACD_IS_SERVICE(self));

	g_message("stafd is on the bus");
	self->stafd_present = TRUE;
	self->stafd_seen = TRUE;
	/* a soak armed after a loss keeps its long deadline; later ones are short */
	trigger(self);
	stas_timer_set_interval(self->soak, STACD_SOAK_SEC);
}

void
stacd_service_stafd_vanished(StacdService *self)
{
	g_return_if_fail(STACD_IS_SERVICE(self));

	if (self->stafd_present)
		g_message("stafd left the bus: keeping its last log pages");
	self->stafd_present = FALSE;
	if (self->stafd_seen)
		stas_timer_set_interval(self->soak, STACD_STAFD_LOST_SOAK_SEC);
}

void
stacd_service_stafd_changed(StacdService *self)
{
	g_return_if_fail(STACD_IS_SERVICE(self));
	trigger(self);
}

/* a good answer replaces the set; anything else keeps the last one (B2) */
static void
take_log_pages(StacdService *self, const char *json, const GError *error)
{
	g_autoptr(GError) perr = NULL;
	g_autoptr(StacdLogPages) pages = NULL;
	StasTidDefaults defaults;

	stacd_service_get_tid_defaults(self, &defaults);
	if (json)
		pages = stacd_log_pages_parse(json, strlen(json), &defaults, &perr);
	if (pages == NULL) {
		const char *why = error ? error->message : perr ? perr->message : "no answer";

		if (!self->fetch_failing)
			g_warning("Cannot get the log pages from stafd (keeping the last ones): %s",
				  why);
		else
			g_debug("Cannot get the log pages from stafd: %s", why);
		self->fetch_failing = TRUE;
		return;
	}
	self->fetch_failing = FALSE;
	stas_daemon_log_strings(pages->diagnostics, G_LOG_LEVEL_WARNING);
	g_hash_table_unref(self->dlpes);
	self->dlpes = g_hash_table_ref(pages->entries);
	self->dlpes_known = TRUE;
	g_debug("stafd: %u discovery controllers, %u I/O controller entries", pages->n_dcs,
		g_hash_table_size(self->dlpes));
}

/* ---- reconciliation (REFERENCE 5.9.1, 5.9.2, 5.13) ------------------------- */

typedef struct {
	StacdService *self;
	GCancellable *cancellable;
	GPtrArray *configured; /* StasTid*, controller= then NBFT; a slot is NULL once dropped */
	guint n_conf;	       /* slots before this one are controller= entries */
	guint pending;
} Reconcile;

typedef struct {
	StacdOrigin origin;
	GHashTable *dlpe; /* borrowed from self->dlpes, or NULL */
} Wanted;

static void
reconcile_free(Reconcile *r)
{
	g_object_unref(r->self);
	g_object_unref(r->cancellable);
	g_ptr_array_unref(r->configured);
	g_free(r);
}

static void
add_wanted(GHashTable *wanted, StasTid *tid, StacdOrigin origin)
{
	Wanted *w;

	/* the first one stays: configured TIDs (added first) carry the parameters */
	if (g_hash_table_contains(wanted, tid))
		return;
	w = g_new0(Wanted, 1);
	w->origin = origin;
	g_hash_table_insert(wanted, stas_tid_ref(tid), w);
}

static GHashTable *
collect_wanted(StacdService *self, Reconcile *r)
{
	GHashTable *wanted = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
						   (GDestroyNotify)stas_tid_unref, g_free);
	GHashTableIter iter;
	gpointer key, value;

	for (guint i = 0; i < r->configured->len; i++) {
		StasTid *tid = g_ptr_array_index(r->configured, i);

		if (tid && *tid->traddr != '\0' && *tid->subsysnqn != '\0' &&
		    (*tid->trsvcid != '\0' || g_str_equal(tid->transport, "fc") ||
		     g_str_equal(tid->transport, "loop")))
			add_wanted(wanted, tid,
				   i < r->n_conf ? STACD_ORIGIN_CONFIGURED : STACD_ORIGIN_NBFT);
	}
	g_hash_table_iter_init(&iter, self->dlpes);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		add_wanted(wanted, key, STACD_ORIGIN_DISCOVERED);

	g_hash_table_iter_init(&iter, wanted);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		Wanted *w = value;

		if (stas_conf_is_excluded(self->conf, key) ||
		    !stas_daemon_address_is_usable(self->conf, key)) {
			g_hash_table_iter_remove(&iter);
			continue;
		}
		w->dlpe = g_hash_table_lookup(self->dlpes, key);
	}
	return wanted;
}

/* the kernel controllers that serve the TIDs of set (keys), device names borrowed */
static GHashTable *
devices_serving(StacdService *self, GHashTable *set, GPtrArray *list)
{
	GHashTable *devices = g_hash_table_new(g_str_hash, g_str_equal);
	StasIfaceTable *ifaces = stas_ctrl_env_get_ifaces(self->env);
	GHashTableIter iter;
	gpointer key;

	if (set) {
		g_hash_table_iter_init(&iter, set);
		while (g_hash_table_iter_next(&iter, &key, NULL)) {
			const char *dev = stas_udev_index_find_existing(self->udev, key,
									STAS_TID_KIND_IOC, ifaces);
			if (dev)
				g_hash_table_add(devices, (gpointer)dev);
		}
	}
	for (guint i = 0; list && i < list->len; i++) {
		const char *dev = stas_udev_index_find_existing(
			self->udev, g_ptr_array_index(list, i), STAS_TID_KIND_IOC, ifaces);
		if (dev)
			g_hash_table_add(devices, (gpointer)dev);
	}
	return devices;
}

static gboolean
tid_in_list(GPtrArray *list, const StasTid *tid)
{
	for (guint i = 0; i < list->len; i++)
		if (stas_tid_equal(g_ptr_array_index(list, i), tid))
			return TRUE;
	return FALSE;
}

typedef struct {
	GPtrArray *nbft;	 /* StasTid*, every NBFT subsystem, excluded or not */
	GHashTable *nbft_devs;	 /* kernel controllers of the NBFT subsystems */
	GHashTable *wanted_devs; /* kernel controllers serving a wanted TID */
} RemovalFacts;

static StacdRemoval
removal_of(StacdService *self, StacdIoc *ioc, const RemovalFacts *f)
{
	StasController *ctrl = STAS_CONTROLLER(ioc);
	const StasTid *tid = stas_controller_get_tid(ctrl);
	const char *dev = stas_controller_get_device(ctrl);
	StacdOrigin origin = stacd_ioc_get_origin(ioc);
	StacdRemovalCase c = {
		.scope = stas_conf_get_disconnect_scope(self->conf),
		.trtypes = stas_conf_get_disconnect_trtypes(self->conf),
		.transport = tid->transport,
		.owned = stacd_ioc_is_owned(ioc),
		.nbft = origin == STACD_ORIGIN_NBFT || tid_in_list(f->nbft, tid) ||
			(dev && g_hash_table_contains(f->nbft_devs, dev)),
		.serves_wanted = dev && g_hash_table_contains(f->wanted_devs, dev),
		/* an adopted connection may be one of stafd's entries too */
		.dlpe_unknown =
			(origin == STACD_ORIGIN_DISCOVERED || origin == STACD_ORIGIN_AUDIT) &&
			!self->dlpes_known,
	};
	StacdRemoval what = stacd_removal_decide(&c);

	stas_ctrl_debug(stas_controller_get_id(ctrl), dev, "no longer wanted (%s, %s%s%s): %s",
			stacd_origin_to_string(origin), c.owned ? "owned" : "not owned",
			c.nbft ? ", boot connection" : "",
			c.serves_wanted ? ", serves a wanted TID" : "",
			stacd_removal_to_string(what));
	return what;
}

static void
disconnect_device_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
	GError *error = NULL;

	if (stas_nvme_disconnect(NULL, data, &error) ||
	    g_error_matches(error, STAS_ERROR, STAS_ERROR_NOT_FOUND)) {
		g_clear_error(&error);
		g_task_return_boolean(task, TRUE);
	} else {
		g_task_return_error(task, error);
	}
}

static void
disconnect_device_done(GObject *source, GAsyncResult *result, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *device = data;

	if (g_task_propagate_boolean(G_TASK(result), &error))
		g_info("%s - Disconnected (adopted by the audit, never attached)", device);
	else
		g_warning("%s - Failed to disconnect: %s", device, error->message);
}

/*
 * an adopted kernel controller whose attach failed (e.g. one stuck
 * "connecting" after its subsystem was zoned out) has no device on its
 * object: the audit's decision to disconnect it goes to the kernel by name,
 * if the device still is the controller the audit saw
 */
static void
disconnect_adopted(StacdService *self, StasController *ctrl)
{
	const char *dev = g_object_get_data(G_OBJECT(ctrl), AUDIT_DEVICE_KEY);
	const StasExistingCtrl *now;
	g_autoptr(StasTid) seen = NULL;
	GTask *task;

	if (dev == NULL || stas_controller_get_device(ctrl) != NULL)
		return;
	now = stas_udev_index_lookup(self->udev, dev);
	if (now == NULL)
		return;
	seen = stas_existing_ctrl_to_tid(now, stas_ctrl_env_get_ifaces(self->env),
					 stas_conf_get_bool(self->conf, STAS_OPT_IGNORE_IFACE));
	if (!stas_tid_equal(seen, stas_controller_get_tid(ctrl)))
		return;
	stas_ctrl_info(stas_controller_get_id(ctrl), dev, "Disconnect initiated");
	task = g_task_new(NULL, NULL, disconnect_device_done, g_strdup(dev));
	g_task_set_task_data(task, g_strdup(dev), g_free);
	stas_worker_pool_run(stas_ctrl_env_get_pool(self->env), task, disconnect_device_thread,
			     G_PRIORITY_DEFAULT);
	g_object_unref(task);
}

/* what leaves: REFERENCE 5.9.2 with B2, B7, Q21 (stacd-reconcile.h) */
static void
remove_unwanted(StacdService *self, GHashTable *wanted)
{
	g_autoptr(GPtrArray) unwanted = g_ptr_array_new_with_free_func(g_object_unref);
	RemovalFacts f = {0};
	GHashTableIter iter;
	gpointer key, ioc;

	g_hash_table_iter_init(&iter, self->iocs);
	while (g_hash_table_iter_next(&iter, &key, &ioc))
		if (!g_hash_table_contains(wanted, key))
			g_ptr_array_add(unwanted, g_object_ref(ioc));
	if (unwanted->len == 0)
		return;
	f.nbft = nbft_tids(self);
	f.nbft_devs = devices_serving(self, NULL, f.nbft);
	f.wanted_devs = devices_serving(self, wanted, NULL);
	for (guint i = 0; i < unwanted->len; i++) {
		StasController *ctrl = g_ptr_array_index(unwanted, i);
		StacdRemoval what = removal_of(self, STACD_IOC(ctrl), &f);

		if (what == STACD_REMOVAL_DISCONNECT)
			disconnect_adopted(self, ctrl);
		if (what != STACD_REMOVAL_KEEP)
			remove_ioc(self, stas_controller_get_tid(ctrl),
				   what != STACD_REMOVAL_DISCONNECT);
	}
	g_ptr_array_unref(f.nbft);
	g_hash_table_unref(f.nbft_devs);
	g_hash_table_unref(f.wanted_devs);
}

/* Q22: a controller= line whose parameters changed gets a new object, same connection */
static StacdIoc *
replace_if_changed(StacdService *self, StacdIoc *ioc, StasTid *tid, StacdOrigin origin)
{
	g_autoptr(StacdIoc) old = g_object_ref(ioc);
	StacdIoc *fresh;

	if (origin != STACD_ORIGIN_CONFIGURED ||
	    stas_ctrl_spec_map_equal(
		    stas_tid_get_cfg_table(stas_controller_get_tid(STAS_CONTROLLER(ioc))),
		    stas_tid_get_cfg_table(tid)))
		return ioc;
	remove_ioc(self, tid, TRUE);
	fresh = add_ioc(self, tid, origin);
	stacd_ioc_inherit(fresh, old);
	stas_controller_start(STAS_CONTROLLER(fresh));
	return fresh;
}

static void
reconcile_finish(Reconcile *r)
{
	StacdService *self = r->self;
	g_autoptr(GHashTable) wanted = collect_wanted(self, r);
	GHashTableIter iter;
	gpointer key, value;

	remove_unwanted(self, wanted);
	g_hash_table_iter_init(&iter, wanted);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		Wanted *w = value;
		StacdIoc *ioc = g_hash_table_lookup(self->iocs, key);

		if (ioc == NULL) {
			ioc = add_ioc(self, key, w->origin);
			stacd_ioc_update_dlpe(ioc, w->dlpe);
			stas_controller_start(STAS_CONTROLLER(ioc));
			continue;
		}
		ioc = replace_if_changed(self, ioc, key, w->origin);
		stacd_ioc_set_origin(ioc, w->origin);
		/* an entry that went away clears the NCC that came with it (5.9.5) */
		if (w->dlpe || self->dlpes_known)
			stacd_ioc_update_dlpe(ioc, w->dlpe);
	}
	save_state(self);
}

static void
step_done(Reconcile *r)
{
	StacdService *self = r->self;

	if (--r->pending > 0)
		return;
	if (!g_cancellable_is_cancelled(r->cancellable) && !self->stopping)
		reconcile_finish(r);
	if (self->reconciling == r->cancellable) {
		g_clear_object(&self->reconciling);
		if (self->again && !self->stopping) {
			self->again = FALSE;
			trigger(self);
		}
	}
	reconcile_free(r);
}

static void
on_log_pages(GObject *source, GAsyncResult *result, gpointer data)
{
	Reconcile *r = data;
	StacdService *self = r->self;
	g_autoptr(GError) error = NULL;
	/* no source any more: the bus went away, the answer is not needed */
	g_autofree char *json =
		self->source.finish ? self->source.finish(self->source_data, result, &error) : NULL;

	if (!g_cancellable_is_cancelled(r->cancellable))
		take_log_pages(self, json, error);
	step_done(r);
}

typedef struct {
	Reconcile *r;
	guint slot;
} Lookup;

static void
on_resolved(GObject *source, GAsyncResult *result, gpointer data)
{
	Lookup *lk = data;
	Reconcile *r = lk->r;
	StasTid *tid = g_ptr_array_index(r->configured, lk->slot);
	g_autoptr(GError) error = NULL;
	GList *addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(source), result, &error);
	g_autofree char *v4 = NULL;
	g_autofree char *v6 = NULL;
	const char *pick;

	for (GList *l = addrs; l; l = l->next) {
		GInetAddress *a = l->data;

		if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV4 && v4 == NULL)
			v4 = g_inet_address_to_string(a);
		if (g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6 && v6 == NULL)
			v6 = g_inet_address_to_string(a);
	}
	g_resolver_free_addresses(addrs);
	pick = (v4 && stas_daemon_family_enabled(r->self->conf, AF_INET))    ? v4
	       : (v6 && stas_daemon_family_enabled(r->self->conf, AF_INET6)) ? v6
									     : NULL;
	if (pick == NULL && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_warning("Cannot resolve traddr: %s: %s", tid->traddr,
			  error ? error->message : "no usable address");
	g_ptr_array_index(r->configured, lk->slot) =
		pick ? stas_tid_new_with_traddr(tid, pick) : NULL;
	stas_tid_unref(tid);
	g_free(lk);
	step_done(r);
}

static Reconcile *
reconcile_new(StacdService *self)
{
	Reconcile *r = g_new0(Reconcile, 1);
	const GPtrArray *specs = stas_conf_get_controllers(self->conf);
	g_autoptr(GPtrArray) nbft = nbft_tids(self);
	StasTidDefaults defaults;

	r->self = g_object_ref(self);
	r->cancellable = g_cancellable_new();
	r->configured = g_ptr_array_new_with_free_func((GDestroyNotify)stas_tid_unref);
	stacd_service_get_tid_defaults(self, &defaults);
	for (guint i = 0; i < specs->len; i++) {
		const StasConfSpec *spec = g_ptr_array_index((GPtrArray *)specs, i);

		g_ptr_array_add(r->configured, stas_tid_new_from_map(spec->map, &defaults));
	}
	r->n_conf = r->configured->len;
	for (guint i = 0; i < nbft->len; i++)
		g_ptr_array_add(r->configured, stas_tid_ref(g_ptr_array_index(nbft, i)));
	r->pending = 1; /* held until every step is started */
	return r;
}

/* controller= host names are resolved (REFERENCE 5.13); the pass waits for them */
static void
resolve_names(Reconcile *r)
{
	StacdService *self = r->self;
	g_autoptr(GResolver) resolver = g_resolver_get_default();

	for (guint i = 0; i < r->n_conf; i++) {
		StasTid *tid = g_ptr_array_index(r->configured, i);
		gboolean ip_transport =
			g_str_equal(tid->transport, "tcp") || g_str_equal(tid->transport, "rdma");
		int family = stas_ip_family(tid->traddr);
		Lookup *lk;

		if (stas_conf_is_excluded(self->conf, tid) || !ip_transport)
			continue;
		if (*tid->traddr == '\0') {
			g_warning("Invalid traddr: %s", stas_tid_to_string(tid));
			continue;
		}
		if (family != 0) {
			if (stas_daemon_family_enabled(self->conf, family))
				continue;
			g_warning(
				"Excluding configured IP address %s based on \"ip-family\" setting",
				tid->traddr);
			g_ptr_array_index(r->configured, i) = NULL;
			stas_tid_unref(tid);
			continue;
		}
		lk = g_new0(Lookup, 1);
		lk->r = r;
		lk->slot = i;
		r->pending++;
		g_resolver_lookup_by_name_async(resolver, tid->traddr, r->cancellable, on_resolved,
						lk);
	}
}

static void
reconcile(StacdService *self)
{
	Reconcile *r;

	if (self->stopping)
		return;
	/* a pass in progress runs to its end, then another one follows */
	if (self->reconciling) {
		self->again = TRUE;
		return;
	}
	r = reconcile_new(self);
	self->reconciling = g_object_ref(r->cancellable);
	resolve_names(r);
	if (self->stafd_present && self->source.fetch) {
		r->pending++;
		self->source.fetch(self->source_data, r->cancellable, on_log_pages, r);
	}
	step_done(r);
}

static void
on_soak(gpointer data)
{
	reconcile(data);
}

/* something changed: reconcile after the soak (SPEC B6) */
static void
trigger(StacdService *self)
{
	if (!self->stopping && self->started)
		stas_timer_start(self->soak);
}

/* ---- life cycle ---------------------------------------------------------- */

static void
populate_index(StacdService *self)
{
	g_autoptr(GError) error = NULL;

	if (!stas_ctrl_index_populate(self->udev, NULL, &error))
		g_warning("Cannot list the NVMe controllers: %s", error->message);
}

gboolean
stacd_service_start(StacdService *self, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(StasIfaceTable) ifaces = stas_iface_table_dump(&local);

	if (ifaces)
		stas_ctrl_env_set_ifaces(self->env, ifaces);
	else
		g_warning("Cannot read the network interfaces: %s", local->message);

	populate_index(self);
	load_nbft(self);
	load_state(self);
	configure_audits(self);

	/* SPEC B6: the first reconciliation runs at once */
	self->started = TRUE;
	reconcile(self);
	return TRUE;
}

void
stacd_service_reload(StacdService *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) iocs = NULL;

	if (self->stopping)
		return;
	sd_notify(0, "RELOADING=1");
	g_message("Reloading configuration");
	/* SPEC 5: a file that is there but cannot be read does not mean "all defaults" */
	if (stas_daemon_conf_readable(stas_conf_get_path(self->conf), &error))
		load_conf(self);
	else
		g_warning("%s: keeping the configuration in use", error->message);
	g_clear_error(&error);
	/* Q15: sys.conf is re-read too; a broken one keeps the identity we have */
	if (!load_sysconf(self, &error))
		g_warning("Keeping the previous host identity: %s", error->message);
	configure_audits(self);
	trigger(self);
	/* REFERENCE 5.9.5: controllers that gave up try again */
	iocs = stacd_service_get_iocs(self);
	for (guint i = 0; i < iocs->len; i++)
		stacd_ioc_reload(g_ptr_array_index(iocs, i));
	sd_notify(0, "READY=1");
}

gboolean
stacd_service_is_stopping(StacdService *self)
{
	return self->stopping;
}

static gboolean
emit_stopped(gpointer data)
{
	g_signal_emit(data, signals[SIGNAL_STOPPED], 0);
	return G_SOURCE_REMOVE;
}

void
stacd_service_stop(StacdService *self)
{
	g_autoptr(GPtrArray) iocs = NULL;

	if (self->stopping)
		return;
	sd_notify(0, "STOPPING=1");
	g_message("Stopping");
	save_state(self);
	self->stopping = TRUE;
	stas_timer_stop(self->soak);
	stas_timer_stop(self->save_soon);
	if (self->reconciling)
		g_cancellable_cancel(self->reconciling);
	configure_audits(self);

	/* REFERENCE 5.16: I/O controller connections always survive a stop */
	iocs = stacd_service_get_iocs(self);
	for (guint i = 0; i < iocs->len; i++) {
		StasController *ctrl = g_ptr_array_index(iocs, i);
		g_autoptr(StasTid) tid = stas_tid_ref(stas_controller_get_tid(ctrl));

		remove_ioc(self, tid, TRUE);
	}
	if (self->n_disposing == 0)
		g_idle_add_full(G_PRIORITY_DEFAULT, emit_stopped, g_object_ref(self),
				g_object_unref);
	else
		stas_terminator_kill(self->terminator);
}

/* ---- process_info (REFERENCE 3.5) ---------------------------------------- */

static void
add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

char *
stacd_service_process_info(StacdService *self)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GHashTable) term = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree char *soak = stas_timer_to_string(self->soak);
	StasNvmeOptions *kernel = stas_ctrl_env_get_kernel(self->env);
	GHashTableIter iter;
	gpointer k, v;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tron");
	json_builder_add_boolean_value(b, stas_log_get_tron());
	json_builder_set_member_name(b, "log-level");
	json_builder_add_string_value(b, stas_log_level_name());
	add_string_or_null(b, "hostnqn", stas_sysconf_get_hostnqn(self->sysconf));
	add_string_or_null(b, "hostid", stas_sysconf_get_hostid(self->sysconf));
	/* B3: the host key is a secret */
	add_string_or_null(b, "hostkey",
			   stas_sysconf_get_hostkey(self->sysconf) ? STAS_REDACTED : NULL);
	add_string_or_null(b, "symname", stas_sysconf_get_symname(self->sysconf));
	add_string_or_null(b, "last known config file", self->state_path);
	add_string_or_null(b, "config soak timer", soak);
	add_string_or_null(b, "kernel support.TP8013",
			   stas_py_bool(kernel && stas_nvme_options_supports(
							  kernel, STAS_NVME_CAP_DISCOVERY)));
	add_string_or_null(b, "kernel support.host_iface",
			   stas_py_bool(kernel && stas_nvme_options_supports(
							  kernel, STAS_NVME_CAP_HOST_IFACE)));
	stas_terminator_add_info(self->terminator, term);
	g_hash_table_iter_init(&iter, term);
	while (g_hash_table_iter_next(&iter, &k, &v))
		add_string_or_null(b, k, v);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

/* ---- GObject ------------------------------------------------------------- */

StacdService *
stacd_service_new(const StacdOptions *options, GError **error)
{
	g_autoptr(StacdService) self = g_object_new(STACD_TYPE_SERVICE, NULL);
	g_autoptr(GError) local = NULL;
	g_autoptr(StasWorkerPool) pool = stas_worker_pool_new(0, error);
	StasClock *clock;

	if (pool == NULL)
		return NULL;
	self->conf_path = g_strdup(options->conf_path);
	self->sysconf_path = g_strdup(options->sysconf_path);
	self->tron_cli = options->tron;
	self->nbft_dir = g_strdup(options->nbft_dir);
	self->state_path = stas_state_path(options->runtime_dir, "stacd");

	self->udev = stas_nvme_udev_new(&local);
	if (self->udev == NULL) {
		/* no udevd, no netlink: connect and serve all the same, deaf to the kernel */
		g_warning("Running without kernel uevents: %s", local->message);
		self->udev = stas_udev_new_detached();
	}
	self->env = stas_ctrl_env_new(g_steal_pointer(&pool), self->udev, NULL);
	if (options->no_tcp_probe)
		stas_ctrl_env_set_tcp_probe(self->env, FALSE, 0);
	clock = stas_ctrl_env_get_clock(self->env);
	self->soak = stas_timer_new(clock, STACD_SOAK_SEC, on_soak, self);
	self->add_soak = stas_timer_new(clock, STACD_ADD_SOAK_SEC, on_add_soak, self);
	self->save_soon = stas_timer_new(clock, STACD_SAVE_DELAY_SEC, on_save_soon, self);
	load_conf(self);
	if (!load_sysconf(self, error))
		return NULL;
	{
		g_autoptr(StasNvmeOptions) kernel = stas_daemon_read_kernel_options();

		stas_ctrl_env_set_kernel(self->env, kernel);
	}
	self->terminator = stas_terminator_new(self->env);
	return g_steal_pointer(&self);
}

static void
stacd_service_dispose(GObject *object)
{
	StacdService *self = STACD_SERVICE(object);

	if (self->reconciling)
		g_cancellable_cancel(self->reconciling);
	g_clear_object(&self->reconciling);
	if (self->auditing && self->udev)
		stas_udev_unregister_action(self->udev, "add", on_uevent_add, self);
	self->auditing = FALSE;
	g_clear_pointer(&self->soak, stas_timer_free);
	g_clear_pointer(&self->add_soak, stas_timer_free);
	g_clear_pointer(&self->save_soon, stas_timer_free);
	g_clear_pointer(&self->iocs, g_hash_table_unref);
	g_clear_object(&self->terminator);
	G_OBJECT_CLASS(stacd_service_parent_class)->dispose(object);
}

static void
stacd_service_finalize(GObject *object)
{
	StacdService *self = STACD_SERVICE(object);

	g_clear_pointer(&self->nbft_iocs, g_ptr_array_unref);
	g_clear_pointer(&self->dlpes, g_hash_table_unref);
	g_clear_pointer(&self->conf, stas_conf_unref);
	g_clear_pointer(&self->sysconf, stas_sysconf_unref);
	g_clear_pointer(&self->env, stas_ctrl_env_unref);
	g_clear_object(&self->udev);
	g_free(self->conf_path);
	g_free(self->sysconf_path);
	g_free(self->nbft_dir);
	g_free(self->state_path);
	G_OBJECT_CLASS(stacd_service_parent_class)->finalize(object);
}

static void
stacd_service_init(StacdService *self)
{
	self->iocs = g_hash_table_new_full(stas_tid_hash, stas_tid_equal,
					   (GDestroyNotify)stas_tid_unref, g_object_unref);
	self->dlpes =
		g_hash_table_new_full(stas_tid_hash, stas_tid_equal, (GDestroyNotify)stas_tid_unref,
				      (GDestroyNotify)g_hash_table_unref);
}

static void
stacd_service_class_init(StacdServiceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = stacd_service_dispose;
	object_class->finalize = stacd_service_finalize;

	/* the shutdown is complete: quit the main loop */
	signals[SIGNAL_STOPPED] =
		g_signal_new("stopped", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			     NULL, G_TYPE_NONE, 0);
}
